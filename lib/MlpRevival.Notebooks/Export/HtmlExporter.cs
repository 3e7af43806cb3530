using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Markdig;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Export;

/// <summary>
/// Turns an executed notebook into one standalone HTML page: markdown through Markdig, code with
/// light colouring, every output, and — when any output is a chart — plotly.js embedded once, from
/// Plotly.NET's own resource, so the page renders with no network.
/// </summary>
public static class HtmlExporter
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    static readonly string[] RichestFirst =
        ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "application/json", "text/plain"];

    public static string Export(NotebookDocument notebook, NotebookRunResult? result = null)
    {
        var cells = notebook.Cells;
        var title = Title(notebook);
        var failedId = result?.Failure?.CellId;
        var body = new StringBuilder();
        bool hasCharts = false;

        body.Append(Header(notebook, title, result));
        foreach (var cell in cells)
        {
            if (cell.IsMarkdown)
            {
                body.Append("<section class=\"cell markdown\">").Append(RenderMarkdown(cell.Source)).Append("</section>\n");
                continue;
            }
            if (!cell.IsCode) continue;

            var injected = cell.HasTag(Parameters.InjectedTag);
            var classes = "cell code" + (injected ? " injected" : "") + (cell.HasTag(Parameters.ParametersTag) ? " parameters" : "")
                          + (cell.Id == failedId ? " failed" : "");
            var count = cell.Json["execution_count"]?.ToString() ?? " ";
            body.Append($"<section class=\"{classes}\" id=\"cell-{WebUtility.HtmlEncode(cell.Id)}\">");
            body.Append($"<div class=\"prompt\">[{count}]</div><div class=\"content\">");
            if (injected) body.Append("<div class=\"label\">injected parameters</div>");
            else if (cell.HasTag(Parameters.ParametersTag)) body.Append("<div class=\"label\">parameters</div>");
            body.Append("<pre class=\"source\"><code>").Append(CSharpHighlighter.Highlight(cell.Source)).Append("</code></pre>");
            foreach (var output in cell.Outputs.OfType<JsonObject>())
            {
                var html = Output(output);
                hasCharts |= html.Contains(PlotlyJs.ChartMarker, StringComparison.Ordinal);
                body.Append(html);
            }
            body.Append("</div></section>\n");
        }

        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append($"<title>{WebUtility.HtmlEncode(title)}</title>\n<style>{Css}</style>\n");
        if (hasCharts)
            page.Append("<script type=\"text/javascript\">/* plotly.js ")
                .Append(PlotlyJs.Version).Append(", embedded from Plotly.NET */\n")
                .Append(PlotlyJs.Script().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase))
                .Append("\n</script>\n");
        page.Append("</head>\n<body>\n<main>\n").Append(body).Append("</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    static string RenderMarkdown(string markdown) => Markdig.Markdown.ToHtml(markdown, Pipeline);

    public static string Title(NotebookDocument notebook)
    {
        foreach (var cell in notebook.Cells.Where(c => c.IsMarkdown))
            foreach (var line in cell.Source.Split('\n'))
                if (line.StartsWith("# ", StringComparison.Ordinal)) return line[2..].Trim();
        return Path.GetFileNameWithoutExtension(notebook.SourcePath ?? "notebook");
    }

    static string Header(NotebookDocument notebook, string title, NotebookRunResult? result)
    {
        var run = notebook.Metadata[NotebookRunner.RunMetadataKey] as JsonObject;
        var file = WebUtility.HtmlEncode(Path.GetFileName(notebook.SourcePath ?? ""));
        var status = result is null ? run?["status"]?.ToString() ?? "not run" : result.Succeeded ? "ok" : result.TimedOut ? "timed out" : "failed";
        var css = status == "ok" ? "ok" : "bad";
        var parts = new List<string> { file };
        if (run?["executed_at"] is { } at) parts.Add("run " + WebUtility.HtmlEncode(at.ToString()[..16].Replace('T', ' ')) + " UTC");
        if (run?["duration_seconds"] is { } seconds)
            parts.Add(seconds.GetValue<double>().ToString("0.0", CultureInfo.InvariantCulture) + " s");
        if (run?["profile"] is { } profile) parts.Add("profile " + WebUtility.HtmlEncode(profile.ToString()));
        var header = new StringBuilder($"<header><div class=\"meta\"><span class=\"status {css}\">{WebUtility.HtmlEncode(status)}</span> ");
        header.Append(string.Join(" · ", parts)).Append("</div>");
        if (result?.Failure is { } failure)
            header.Append($"<div class=\"failure\"><a href=\"#cell-{WebUtility.HtmlEncode(failure.CellId)}\">{WebUtility.HtmlEncode(failure.Where)}</a>: ")
                  .Append(WebUtility.HtmlEncode(failure.Message.Split('\n')[0])).Append("</div>");
        header.Append("</header>\n");
        return header.ToString();
    }

    static string Output(JsonObject output)
    {
        var type = output["output_type"]?.GetValue<string>();
        switch (type)
        {
            case "stream":
                var name = output["name"]?.GetValue<string>() == "stderr" ? "stderr" : "stdout";
                return $"<pre class=\"output stream {name}\">{WebUtility.HtmlEncode(NotebookDocument.JoinLines(output["text"]))}</pre>";
            case "error":
                var trace = output["traceback"] is JsonArray lines ? string.Join("\n", lines.Select(l => l?.ToString())) : "";
                var text = trace.Length > 0 ? trace : output["evalue"]?.ToString() ?? "";
                return $"<pre class=\"output error\">{WebUtility.HtmlEncode(text)}</pre>";
            case "display_data" or "execute_result":
                if (output["data"] is not JsonObject data) return "";
                // VS Code writes Console output of some kernels as these MIME types.
                foreach (var (mime, css) in new[] { ("application/vnd.code.notebook.stdout", "stdout"), ("application/vnd.code.notebook.stderr", "stderr"), ("application/vnd.code.notebook.error", "error") })
                    if (data[mime] is { } vs) return $"<pre class=\"output stream {css}\">{WebUtility.HtmlEncode(NotebookDocument.JoinLines(vs))}</pre>";
                var chosen = RichestFirst.FirstOrDefault(m => data.ContainsKey(m));
                if (chosen is null) return "";
                var content = NotebookDocument.JoinLines(data[chosen]);
                return chosen switch
                {
                    "text/html" => $"<div class=\"output html\">{content}</div>",
                    "image/svg+xml" => $"<div class=\"output image\">{content}</div>",
                    "image/png" or "image/jpeg" => $"<div class=\"output image\"><img alt=\"output\" src=\"data:{chosen};base64,{content.Replace("\n", "")}\"></div>",
                    "text/markdown" => $"<div class=\"output markdown\">{RenderMarkdown(content)}</div>",
                    _ => $"<pre class=\"output text\">{WebUtility.HtmlEncode(content)}</pre>",
                };
            default:
                return "";
        }
    }

    const string Css = """
        :root { --fg: #1f2328; --muted: #656d76; --border: #d0d7de; --code-bg: #f6f8fa; --accent: #0969da; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: #fff; font: 16px/1.6 -apple-system, "Segoe UI", system-ui, Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
        header { border-bottom: 1px solid var(--border); padding-bottom: 10px; margin-bottom: 16px; color: var(--muted); font-size: 14px; }
        .status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; text-transform: uppercase; }
        .status.ok { background: #dafbe1; color: #116329; } .status.bad { background: #ffebe9; color: #a40e26; }
        .failure { margin-top: 6px; color: #a40e26; }
        .cell { margin: 10px 0; }
        .cell.markdown h1 { font-size: 2em; border-bottom: 1px solid var(--border); padding-bottom: .2em; }
        .cell.markdown h2 { font-size: 1.45em; margin-top: 1.6em; border-bottom: 1px solid var(--border); padding-bottom: .15em; }
        .cell.markdown table { border-collapse: collapse; margin: 8px 0; }
        .cell.markdown th, .cell.markdown td { border: 1px solid var(--border); padding: 4px 10px; }
        .cell.markdown code { background: var(--code-bg); padding: 1px 4px; border-radius: 4px; font-size: 90%; }
        .cell.markdown blockquote { margin: 8px 0; padding: 2px 14px; color: var(--muted); border-left: 4px solid var(--border); }
        .cell.code { display: flex; gap: 8px; }
        .prompt { flex: 0 0 44px; text-align: right; color: var(--muted); font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; padding-top: 9px; }
        .content { flex: 1; min-width: 0; }
        .label { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin-bottom: 2px; }
        pre { margin: 0; overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        pre.source { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; }
        .cell.injected pre.source { border-style: dashed; }
        .cell.failed pre.source { border-color: #cf222e; }
        .output { margin: 6px 0 0; }
        pre.output { padding: 4px 12px; white-space: pre-wrap; }
        pre.output.stderr { background: #fff8c5; }
        pre.output.error { background: #ffebe9; color: #82071e; border-radius: 6px; padding: 8px 12px; }
        .output.html { overflow-x: auto; }
        .output img { max-width: 100%; }
        .source .k { color: #cf222e; } .source .s { color: #0a3069; } .source .c { color: #6e7781; font-style: italic; }
        .source .n { color: #0550ae; } .source .d { color: #8250df; }
        """;
}
