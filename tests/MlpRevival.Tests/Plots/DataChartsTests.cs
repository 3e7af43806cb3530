using MlpRevival.Plots;
using TorchSharp;
using static MlpRevival.Tests.Plots.PlotlyFigure;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Plots;

/// <summary>The charts of plain numbers and their options: what each option writes into the figure.</summary>
public class DataChartsTests
{
    static readonly Series[] TwoLines =
    [
        new("a", [10, 100, 1000], [1, 2, 3]),
        new("b", [10, 100, 1000], [1, 2, 3]),
    ];

    [Fact]
    public void X_ticks_sit_at_the_given_values_labelled_plainly_unless_labels_are_given()
    {
        var plain = Figure(Charts.Lines(TwoLines, "t", "x", "y", logX: true, xTicks: [10, 1000, 1.5]))["layout"]!["xaxis"]!;
        Assert.Equal("log", plain["type"]!.GetValue<string>());
        Assert.Equal([10.0, 1000, 1.5], Numbers(plain["tickvals"]));
        Assert.Equal(["10", "1,000", "1.5"], Texts(plain["ticktext"]));

        var named = Figure(Charts.Lines(TwoLines, "t", "x", "y", xTicks: [10, 1000], xTickLabels: ["ten", "a thousand"]))["layout"]!["xaxis"]!;
        Assert.Equal(["ten", "a thousand"], Texts(named["ticktext"]));
        Assert.Throws<ArgumentException>(() => Charts.Lines(TwoLines, "t", "x", "y", xTicks: [10], xTickLabels: ["ten", "eleven"]));
        Assert.Null(Figure(Charts.Lines(TwoLines, "t", "x", "y"))["layout"]!["xaxis"]!["tickvals"]);
    }

    [Fact]
    public void The_x_range_is_given_in_data_units_on_linear_and_log_axes()
    {
        var linear = Figure(Charts.Lines(TwoLines, "t", "x", "y", xRange: (5, 50)))["layout"]!["xaxis"]!;
        Assert.Equal([5.0, 50], Numbers(linear["range"]));
        var log = Figure(Charts.Lines(TwoLines, "t", "x", "y", logX: true, xRange: (10, 1000)))["layout"]!["xaxis"]!;
        Assert.Equal([1.0, 3], Numbers(log["range"]));
    }

    [Fact]
    public void A_dotted_series_is_dotted_and_wider_and_the_others_are_solid()
    {
        var traces = Figure(Charts.Lines([TwoLines[0], TwoLines[1].Dotted()], "t", "x", "y"))["data"]!.AsArray();
        Assert.Null(traces[0]!["line"]!["dash"]);
        Assert.Equal("dot", traces[1]!["line"]!["dash"]!.GetValue<string>());
        Assert.Equal(4.0, traces[1]!["line"]!["width"]!.GetValue<double>());
        Assert.Equal([1.0, 2, 3], Numbers(traces[1]!["y"]));             // the same numbers, drawn otherwise
    }

    [Fact]
    public void Points_are_one_labelled_marker_each_with_no_legend()
    {
        var figure = Figure(Charts.Points([("Mixer", 100, 80, "#e377c2", "top center"), ("ViT", 40, 85, "#4c78a8", "middle left")],
            "t", "x", "y", logX: true, xTicks: [50, 100]));
        var traces = figure["data"]!.AsArray();
        Assert.Equal(2, traces.Count);
        Assert.Equal("markers+text", traces[1]!["mode"]!.GetValue<string>());
        Assert.Equal(["ViT"], Texts(traces[1]!["text"]));
        Assert.Equal("middle left", traces[1]!["textposition"]!.GetValue<string>());
        Assert.Equal("#4c78a8", traces[1]!["marker"]!["color"]!.GetValue<string>());
        Assert.All(traces, t => Assert.False(t!["showlegend"]!.GetValue<bool>()));
        Assert.Equal([50.0, 100], Numbers(figure["layout"]!["xaxis"]!["tickvals"]));
    }

    [Fact]
    public void Stacked_bars_stack_with_their_values_inside()
    {
        (string, IReadOnlyList<double>)[] series = [("stem", [0.2, 0.1]), ("rest", [0.8, 0.9])];
        var grouped = Figure(Charts.GroupedBars(["a", "b"], series, "t", "x", "y", percent: true));
        Assert.Equal("group", grouped["layout"]!["barmode"]!.GetValue<string>());
        var stacked = Figure(Charts.GroupedBars(["a", "b"], series, "t", "x", "y", percent: true, stacked: true));
        Assert.Equal("stack", stacked["layout"]!["barmode"]!.GetValue<string>());
        Assert.All(stacked["data"]!.AsArray(), t => Assert.Equal("inside", t!["textposition"]!.GetValue<string>()));
        Assert.Equal([0.8, 0.9], Numbers(stacked["data"]![1]!["y"]));
    }

    [Fact]
    public void Matrix_cells_coloured_by_category_keep_their_numbers()
    {
        double[,] values = { { 1, 2 }, { 3, 4 } };
        int[,] category = { { 0, 1 }, { 2, 0 } };
        string[] colours = ["#fdae6b", "#9ecae1", "#a1d99b"];
        var trace = Figure(Charts.Matrix(values, ["r0", "r1"], ["c0", "c1"], "t", format: "0",
            cellCategories: category, categoryColours: colours))["data"]![0]!;
        Assert.Equal([0.0, 1], Numbers(trace["z"]![0]));                 // z is the category …
        Assert.Equal(["1", "2"], trace["text"]![0]!.AsArray().Select(t => t!.ToString()));   // … the text the value
        var scale = trace["colorscale"]!.AsArray();
        Assert.Equal(3, scale.Count);
        Assert.Equal("#a1d99b", scale[2]![1]!.GetValue<string>());
        Assert.Equal(2.0, trace["zmax"]!.GetValue<double>());
        Assert.Throws<ArgumentException>(() => Charts.Matrix(values, ["r0", "r1"], ["c0", "c1"], "t", cellCategories: category));
        Assert.Throws<ArgumentException>(() => Charts.Matrix(values, ["r0", "r1"], ["c0", "c1"], "t",
            cellCategories: new int[1, 2], categoryColours: colours));
        Assert.Throws<ArgumentException>(() => Charts.Matrix(values, ["r0", "r1"], ["c0", "c1"], "t",
            cellCategories: new[,] { { 0, 3 }, { 0, 0 } }, categoryColours: colours));
    }

    [Fact]
    public void A_token_table_labels_its_rows_and_columns()
    {
        using var table = arange(6, dtype: ScalarType.Float32).reshape(1, 3, 2);          // [1, S 3, C 2]
        var trace = Figure(Charts.TokenTable(table, "X"))["data"]![0]!;
        Assert.Equal(["token 0", "token 1", "token 2"], Texts(trace["y"]));
        Assert.Equal(["ch 0", "ch 1"], Texts(trace["x"]));
        Assert.Equal([4.0, 5], Numbers(trace["z"]![2]));
        var transposed = Figure(Charts.TokenTable(table[0].t(), "Xᵀ", rowName: "ch", columnName: "token"))["data"]![0]!;
        Assert.Equal(["ch 0", "ch 1"], Texts(transposed["y"]));
    }
}
