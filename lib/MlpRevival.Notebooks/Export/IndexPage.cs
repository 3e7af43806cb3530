using System.Globalization;
using System.Net;
using System.Text;
using MlpRevival.Notebooks.Execution;

namespace MlpRevival.Notebooks.Export;

/// <summary>The index.html of a run: one row per notebook with its status, time and links.</summary>
public static class IndexPage
{
    public sealed record Entry(string Title, string HtmlFile, string NotebookFile, NotebookJobReport Result);

    public static string Render(IEnumerable<Entry> entries, string heading = "MLP Revival — executed notebooks")
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(heading)).Append("</title><style>")
            .Append("body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:32px auto;padding:0 24px;color:#1f2328}")
            .Append("table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de}")
            .Append(".ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:600}td.num{text-align:right}")
            .Append("</style></head><body><h1>").Append(WebUtility.HtmlEncode(heading)).Append("</h1>");
        html.Append("<table><thead><tr><th>Notebook</th><th>Status</th><th>Time</th><th>Files</th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            var status = e.Result.Succeeded ? "<span class=\"ok\">ok</span>"
                : $"<span class=\"bad\">{WebUtility.HtmlEncode(e.Result.Status)}</span> {WebUtility.HtmlEncode(e.Result.Line)}";
            html.Append("<tr><td><a href=\"").Append(Uri.EscapeDataString(e.HtmlFile)).Append("\">")
                .Append(WebUtility.HtmlEncode(e.Title)).Append("</a></td><td>").Append(status).Append("</td><td class=\"num\">")
                .Append(e.Result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(" s</td><td><a href=\"")
                .Append(Uri.EscapeDataString(e.NotebookFile)).Append("\">.ipynb</a></td></tr>");
        }
        html.Append("</tbody></table></body></html>\n");
        return html.ToString();
    }
}
