using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace MlpRevival.Display;

/// <summary>
/// Renders a Microsoft.Data.Analysis DataFrame as an HTML table.
///
/// Why our own: the DataFrame formatter ships inside the Microsoft.Data.Analysis package as a .NET
/// Interactive kernel extension, which needs the kernel packages (not in our feed) and only loads
/// through #r "nuget:". This one is registered by <see cref="NotebookFormatters"/> and renders the
/// same in VS Code and in executed notebooks.
/// </summary>
public static class TableHtml
{
    public const string CssClass = "mlpr-table";

    const string Style = """
        <style>
        table.mlpr-table { border-collapse: collapse; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 4px 0; }
        table.mlpr-table th, table.mlpr-table td { padding: 3px 10px; border-bottom: 1px solid #ddd; }
        table.mlpr-table th { text-align: left; border-bottom: 2px solid #999; font-weight: 600; }
        table.mlpr-table td.num, table.mlpr-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.mlpr-table tbody tr:nth-child(even) { background: rgba(127,127,127,0.07); }
        table.mlpr-table caption { caption-side: bottom; text-align: left; color: #777; font-size: 12px; padding-top: 4px; }
        </style>
        """;

    /// <summary>The DataFrame as a table; at most <paramref name="maxRows"/> rows, the count of the rest in the caption.</summary>
    public static string Render(DataFrame frame, int maxRows = 50)
    {
        var html = new StringBuilder(Style);
        html.Append($"<table class=\"{CssClass}\"><thead><tr>");
        foreach (var column in frame.Columns)
        {
            var numeric = IsNumeric(column.DataType);
            html.Append(numeric ? "<th class=\"num\">" : "<th>").Append(Encode(column.Name)).Append("</th>");
        }
        html.Append("</tr></thead><tbody>");
        long shown = Math.Min(frame.Rows.Count, maxRows);
        for (long r = 0; r < shown; r++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                var numeric = IsNumeric(column.DataType);
                html.Append(numeric ? "<td class=\"num\">" : "<td>").Append(Encode(FormatCell(column[r]))).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody>");
        if (frame.Rows.Count > shown)
            html.Append($"<caption>{frame.Rows.Count - shown:N0} more rows ({frame.Rows.Count:N0} in all)</caption>");
        html.Append("</table>");
        return html.ToString();
    }

    /// <summary>A name/value table (for reports that are not DataFrames).</summary>
    public static string Render(IEnumerable<(string Name, string Value)> rows, string nameHeader = "", string valueHeader = "")
    {
        var html = new StringBuilder(Style);
        html.Append($"<table class=\"{CssClass}\">");
        if (nameHeader.Length + valueHeader.Length > 0)
            html.Append($"<thead><tr><th>{Encode(nameHeader)}</th><th>{Encode(valueHeader)}</th></tr></thead>");
        html.Append("<tbody>");
        foreach (var (name, value) in rows)
            html.Append($"<tr><td>{Encode(name)}</td><td>{Encode(value)}</td></tr>");
        html.Append("</tbody></table>");
        return html.ToString();
    }

    /// <summary>How a table cell shows a value: integers with thousands separators, floating point to 6 significant digits.</summary>
    public static string FormatCell(object? value) => value switch
    {
        null => "",
        float f => FormatReal(f),
        double d => FormatReal(d),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        long or int or short or ulong or uint or ushort => string.Format(CultureInfo.InvariantCulture, "{0:N0}", value),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string FormatReal(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsInfinity(value) ? (value > 0 ? "∞" : "−∞")
        : value.ToString("G6", CultureInfo.InvariantCulture);

    static bool IsNumeric(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(float) || type == typeof(double) ||
        type == typeof(short) || type == typeof(decimal) || type == typeof(uint) || type == typeof(ulong) ||
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort);

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
