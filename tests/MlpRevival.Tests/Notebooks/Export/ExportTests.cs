using System.Text.RegularExpressions;
using MlpRevival.Display;
using MlpRevival.Notebooks.Export;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Notebooks.Export;

/// <summary>The standalone HTML page of an executed notebook.</summary>
public class ExportTests
{
    static string TwoCharts => TestKernel.LibraryReference + "\n" + """
        MlpRevival.Display.NotebookFormatters.Register();
        display(Plotly.NET.CSharp.Chart.Point<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 }));
        Plotly.NET.CSharp.Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 5, 6 })
        """;

    [Fact]
    public async Task The_page_has_rendered_markdown_code_and_outputs()
    {
        var (nb, result) = await RunAsync([Markdown("# My title\n\nSome **bold** text.\n\n| a | b |\n|---|---|\n| 1 | 2 |"), Code("Console.WriteLine(\"<stdout>\");\n\"result\"")]);
        var html = HtmlExporter.Export(nb, result);
        Assert.Contains("<title>My title</title>", html);
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("&lt;stdout&gt;", html);              // stream text is escaped
        Assert.Contains("Console", html);
        Assert.Contains(">result</pre>", html);
        Assert.DoesNotContain("plotly.js", html);              // no chart, no plotly
    }

    [Fact]
    public async Task Plotly_js_is_embedded_once_for_any_number_of_charts()
    {
        var (nb, result) = await RunAsync([Code(TwoCharts)]);
        Assert.True(result.Succeeded, result.Describe());
        var html = HtmlExporter.Export(nb, result);
        Assert.Equal(2, Regex.Matches(html, $"class=\"{PlotlyJs.ChartMarker}\"").Count);
        var library = PlotlyJs.Script();
        Assert.True(library.Length > 1_000_000);
        Assert.Single(Regex.Matches(html, Regex.Escape(library[..200])));
        Assert.DoesNotContain("cdn.plot.ly/plotly", html[..html.IndexOf("</head>", StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task A_failed_run_shows_where_it_failed()
    {
        var (nb, result) = await RunAsync([Code("1"), Code("throw new Exception(\"kaput\");")]);
        var html = HtmlExporter.Export(nb, result);
        Assert.Contains("class=\"status bad\">failed", html);
        Assert.Contains("href=\"#cell-cell-2\">cell 2", html);
        Assert.Contains("System.Exception: kaput", html);
    }
}
