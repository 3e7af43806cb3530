using MlpRevival.Display;
using MlpRevival.Plots;
using Newtonsoft.Json.Linq;
using Plotly.NET;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Display;

/// <summary>The figure JSON a chart output carries: exactly Plotly.NET's own, produced faster.</summary>
public class ChartHtmlTests
{
    public static TheoryData<string> ChartKinds() => ["lines", "bars", "grouped", "matrix", "confusion", "spatial", "images"];

    static GenericChart Make(string kind) => kind switch
    {
        "lines" => Charts.Lines([new Series("a", [1, 2, 3], [4, 5, 6]), new Series("b", [1, 2, 3], [1, 2, 3])], "t", "x", "y", logY: true),
        "bars" => Charts.Bars(["a", "b"], [1, 2], "bars", "x", "y"),
        "grouped" => Charts.GroupedBars(["g1", "g2"], [("s1", [0.1, 0.2]), ("s2", [0.3, 0.4])], "grouped", "x", "y", percent: true),
        "matrix" => Charts.Matrix(new double[,] { { -1, 0.5 }, { 2, 0 } }, ["r1", "r2"], ["c1", "c2"], "matrix"),
        "confusion" => Charts.Confusion(new long[,] { { 5, 1 }, { 2, 7 } }, ["cat", "dog"]),
        "spatial" => Charts.SpatialWeights(arange(2 * 3 * 3, dtype: float32).reshape(2, 3, 3) / 10),
        _ => ImageGrid.Show(arange(2 * 3 * 4 * 4, dtype: int64).remainder(256).to(uint8).reshape(2, 3, 4, 4), columns: 2),
    };

    [Theory]
    [MemberData(nameof(ChartKinds))]
    public void The_figure_equals_plotly_nets_toFigureJson(string kind)
    {
        var chart = Make(kind);
        var ours = JToken.Parse(ChartHtml.FigureJson(chart));
        var theirs = JToken.Parse(GenericChart.toFigureJson(chart));
        Assert.True(JToken.DeepEquals(theirs, ours), $"{kind}:\nPlotly.NET: {theirs}\nours: {ours}");
    }

    [Fact]
    public void Heatmap_numbers_take_a_contrasting_colour_per_cell()
    {
        var figure = JObject.Parse(ChartHtml.FigureJson(Charts.Matrix(new double[,] { { -1, 0.5 } }, ["r"], ["a", "b"], "m")));
        var trace = figure["data"]![0]!;
        Assert.Equal("%{text}", trace["texttemplate"]!.ToString());
        Assert.Equal(["-1.00", "0.50"], trace["text"]![0]!.Select(t => t.ToString()));
        Assert.Null(trace["textfont"]!["color"]);            // plotly.js picks black or white for each cell
        Assert.Null(figure["layout"]!["annotations"]);
    }

    [Fact]
    public void The_exporter_recognises_the_fragments_the_library_writes()
    {
        // The exporter does not reference the course library: it looks for this class by name.
        Assert.Equal(ChartHtml.CssClass, MlpRevival.Notebooks.Export.PlotlyJs.ChartMarker);
        Assert.Contains($"class=\"{MlpRevival.Notebooks.Export.PlotlyJs.ChartMarker}\"", ChartHtml.Render(Charts.Bars(["a"], [1], "t", "x", "y")));
        Assert.Equal(ChartHtml.PlotlyJsVersion, MlpRevival.Notebooks.Export.PlotlyJs.Version);
    }
}
