using MlpRevival.Notebooks.Export;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Notebooks.Export;

/// <summary>The exported page in a real browser, offline: the embedded plotly.js draws every chart.</summary>
public class BrowserTests
{
    [Fact]
    public async Task Charts_render_offline_with_no_script_errors()
    {
        var (notebook, result) = await RunAsync([Markdown("# Charts"), Code(TestKernel.LibraryReference + "\n" + """
            MlpRevival.Display.NotebookFormatters.Register();
            display(Plotly.NET.CSharp.Chart.Point<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 }));
            Plotly.NET.CSharp.Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 5, 6 })
            """)]);
        Assert.True(result.Succeeded, result.Describe());
        var folder = TempFolder();
        var html = Path.Combine(folder, "charts.html");
        await File.WriteAllTextAsync(html, HtmlExporter.Export(notebook, result));

        var check = await BrowserPage.CheckAsync(html, Path.Combine(Repo.Artifacts("screenshots"), "browser-test-charts.png"));
        Assert.Equal(2, check.Charts);
        Assert.True(check.RenderedCharts == 2, check.ToString());
        Assert.Empty(check.Errors);
        Assert.Empty(check.BlockedRequests);
        Assert.True(new FileInfo(check.Screenshot).Length > 10_000, check.ToString());
    }

    [Fact]
    public async Task A_page_whose_chart_script_fails_is_caught()
    {
        var folder = TempFolder();
        var html = Path.Combine(folder, "broken.html");
        await File.WriteAllTextAsync(html, """
            <!DOCTYPE html><html><head><script src="https://cdn.plot.ly/plotly-2.27.1.min.js"></script></head>
            <body><div class="mlpr-chart" id="c"></div><script>Plotly.newPlot('c', [{y: [1, 2]}]);</script></body></html>
            """);
        var check = await BrowserPage.CheckAsync(html, Path.Combine(folder, "broken.png"));
        Assert.Equal(1, check.Charts);
        Assert.Equal(0, check.RenderedCharts);
        Assert.Contains(check.BlockedRequests, u => u.StartsWith("https://cdn.plot.ly/", StringComparison.Ordinal));
        Assert.Contains(check.Errors, e => e.Contains("Plotly", StringComparison.Ordinal));
    }
}
