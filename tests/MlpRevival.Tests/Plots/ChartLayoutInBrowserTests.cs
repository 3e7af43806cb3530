using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MlpRevival.Display;
using MlpRevival.Notebooks.Export;
using MlpRevival.Plots;
using MlpRevival.Tests.Notebooks.Export;
using MlpRevival.Training;
using Plotly.NET;
using TorchSharp;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Plots;

/// <summary>
/// The charts as a reader sees them, drawn by plotly.js in a real browser: the toolbar that appears on
/// hover leaves the title readable, tick labels of a narrow percentage axis are all different, and the
/// legend does not sit on the x axis title. Positions are the rendered elements' boxes.
/// </summary>
public class ChartLayoutInBrowserTests
{
    // Accuracies between 10 % and 12 %: the narrow range where ".0%" ticks read 10 %, 10 %, 11 %, 11 %.
    static TrainResult Run(string name, int seed) =>
        new(name, TrainStatus.Completed, "done", new TrainConfig(),
            Enumerable.Range(1, 3).Select(e => new EpochMetrics(e, e * 10L, 1e-3, 2.3 - 0.01 * e - 0.001 * seed, [0.10 + 0.006 * e + 0.001 * seed, 0, 0, 0, 0],
                                                               2.31 - 0.01 * e, [0.101 + 0.005 * e + 0.001 * seed, 0, 0, 0, 0], 100, 1, 100)).ToList(),
            [2.3f], null, 30, 1, 100, "cpu");

    static readonly string[] Pipelines = ["original", "patch+pixel", "global"];

    public static TheoryData<string> ChartNames => ["six runs", "six runs on a grid", "long-titled image grid", "percent lines", "top-k bars of long-named runs"];

    static GenericChart Build(string name) => name switch
    {
        "six runs" => Charts.Curves(Pipelines.SelectMany(p => new[] { $"Mixer · {p}", $"ResNet-20 · {p}" }).Select((n, i) => Run(n, i)),
                                    "training curves of the six runs: Mixer and ResNet-20 on the original and the two shuffled pipelines"),
        "six runs on a grid" => Charts.CurvesGrid(Pipelines.SelectMany(p => new[] { ("Mixer", p), ("ResNet-20", p) }).Select((r, i) => (r.Item1, r.p, Run($"{r.Item1} · {r.p}", i))),
                                                  "training curves of the six runs: one column per model, a colour per pipeline, on the training batches"),
        "long-titled image grid" => ImageGrid.Show(torch.rand(4, 3, 8, 8), torch.tensor(new long[] { 0, 1, 2, 3 }), ["a", "b", "c", "d"], columns: 4,
                                                   title: "top: the seed's shuffle, called twice · bottom: one fixed permutation"),
        "percent lines" => Charts.Lines([new("x", [1, 2, 3], [0.101, 0.107, 0.114]), new("y", [1, 2, 3], [0.104, 0.109, 0.112])],
                                        "a share that moves by a few tenths of a percent, on a chart whose title is long", "step", "top-1", percent: true),
        "top-k bars of long-named runs" => Charts.TopK([("gmlp-seed-cifar, this notebook's run", [0.1, 0.2, 0.3, 0.4, 0.52]),
                                                        ("gmlp-seed-cifar, the seed's budget (measured once)", [0.59, 0.77, 0.86, 0.92, 0.95]),
                                                        ("gmlp-cifar, full data, this recipe (measured once)", [0.7, 0.85, 0.9, 0.94, 0.96])],
                                                       "top-k test accuracy: this notebook's run beside the full-data runs, measured once"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(ChartNames))]
    public async Task Toolbar_ticks_and_legend_leave_each_other_readable(string name)
    {
        var html = Path.Combine(TempFolder(), "chart.html");
        await File.WriteAllTextAsync(html, new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script>")
            .Append(PlotlyJs.Script()).Append("</script></head><body>").Append(ChartHtml.Render(Build(name))).Append("</body></html>").ToString());

        var (playwright, browser) = await BrowserPage.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(html).AbsoluteUri);
        await page.WaitForTimeoutAsync(300);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.WaitForFunctionAsync("() => document.querySelector('.mlpr-chart .main-svg') !== null");
        var chart = (await page.Locator(".mlpr-chart").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(chart.X + chart.Width / 2, chart.Y + chart.Height / 2);   // the toolbar shows on hover
        await page.WaitForTimeoutAsync(500);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Repo.Artifacts("screenshots"), $"chart-layout-{name.Replace(' ', '-')}.png") });

        var boxes = JsonDocument.Parse(await page.EvaluateAsync<string>("""
            () => {
              const box = sel => { const e = document.querySelector(sel); if (!e) return null; const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
              const toolbar = [...document.querySelectorAll('.modebar-group')].filter(g => getComputedStyle(g).opacity !== '0').map(g => g.getBoundingClientRect());
              return JSON.stringify({
                title: box('.gtitle'), chart: box('.mlpr-chart .main-svg'), legend: box('.legend'), xtitle: box('.xtitle'), plot: box('.nsewdrag'),
                toolbar: toolbar.length ? [Math.min(...toolbar.map(r => r.left)), Math.min(...toolbar.map(r => r.top)), Math.max(...toolbar.map(r => r.right)), Math.max(...toolbar.map(r => r.bottom))] : null,
                percentTicks: Object.values([...document.querySelectorAll('g[class^="y"][class$="tick"] text')].reduce((axes, t) => {
                  const axis = t.parentNode.getAttribute('class');
                  if (t.textContent.includes('%')) (axes[axis] = axes[axis] || []).push(t.textContent);
                  return axes;
                }, {})),
              });
            }
            """)).RootElement;
        double[]? Box(string key) => boxes.GetProperty(key).ValueKind == JsonValueKind.Null ? null : boxes.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        static bool Overlap(double[] a, double[] b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

        var problems = new List<string>();
        var title = Box("title")!;
        var toolbar = Box("toolbar");
        Assert.True(toolbar is not null, "the toolbar did not appear on hover: the test would prove nothing");
        Assert.True(title[2] > toolbar![0], $"the title ends left of the toolbar ({title[2]} < {toolbar[0]}): make it longer, or this proves nothing");
        var chartBox = Box("chart")!;
        if (title[2] > chartBox[2]) problems.Add($"the title [{string.Join(", ", title)}] runs past the chart's right edge {chartBox[2]}");
        if (Overlap(title, toolbar)) problems.Add($"the toolbar [{string.Join(", ", toolbar)}] covers the title [{string.Join(", ", title)}]");

        if (Box("legend") is { } legend && Box("xtitle") is { } xTitle && Overlap(legend, xTitle))
            problems.Add($"the legend [{string.Join(", ", legend)}] sits on the x axis title [{string.Join(", ", xTitle)}]");

        // A legend beside the plot takes its width from the bars (on the right, three long run names left the plot under half the chart).
        var plot = Box("plot")!;
        if (name.StartsWith("top-k") && plot[2] - plot[0] < 0.75 * (chartBox[2] - chartBox[0]))
            problems.Add($"the plot is {plot[2] - plot[0]:F0} px wide in a {chartBox[2] - chartBox[0]:F0} px chart: the legend squeezes it");

        // Per percent axis: its tick labels, which must all differ.
        var axes = boxes.GetProperty("percentTicks").EnumerateArray().Select(a => a.EnumerateArray().Select(t => t.GetString()!).ToList()).ToList();
        if (name != "long-titled image grid")
        {
            Assert.True(axes.Count > 0 && axes.All(ticks => ticks.Count >= 3), $"expected percent axes with ticks, got {axes.Count}");
            foreach (var ticks in axes.Where(ticks => ticks.Distinct().Count() != ticks.Count))
                problems.Add($"repeated tick labels: [{string.Join(", ", ticks)}]");
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }
}
