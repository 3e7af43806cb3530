using MlpRevival.Display;
using MlpRevival.Plots;
using MlpRevival.Training;
using TorchSharp;
using static MlpRevival.Tests.Plots.PlotlyFigure;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Plots;

/// <summary>The charts carry the numbers they are given, labelled, and render through the notebook formatter.</summary>
public class ChartsTests
{
    static TrainResult Run(string name, params (double TrainLoss, double TestLoss, double Top1)[] epochs) =>
        new(name, TrainStatus.Completed, "done", new TrainConfig(),
            epochs.Select((e, i) => new EpochMetrics(i + 1, (i + 1) * 10L, 1e-3, e.TrainLoss, [e.Top1 - 0.1, 0.6, 0.7, 0.8, 0.9],
                                                      e.TestLoss, [e.Top1, 0.65, 0.75, 0.85, 0.95], 1000, 1, 100)).ToList(),
            [2.3f, 2.0f, 1.5f],
            new EvalResult(epochs[^1].TestLoss, [epochs[^1].Top1, 0.65, 0.75, 0.85, 0.95], new long[2, 2], ["a", "b"], 100),
            epochs.Length * 10L, 1, 1000, "cpu");

    [Fact]
    public void Curves_plot_train_and_test_per_run_on_two_labelled_panels()
    {
        var a = Run("mixer", (2.0, 2.1, 0.3), (1.5, 1.7, 0.45), (1.2, 1.5, 0.5));
        var b = Run("gmlp", (2.2, 2.2, 0.25), (1.8, 1.9, 0.35), (1.4, 1.6, 0.42));
        var figure = Figure(Charts.Curves(a, b));
        var traces = figure["data"]!.AsArray();
        Assert.Equal(8, traces.Count);                                     // 2 runs × (train, test) × (loss, accuracy)
        var names = traces.Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(4, names.Count(n => n == "mixer"));
        Assert.Contains(traces, t => t!["hovertemplate"]!.GetValue<string>().StartsWith("gmlp · train<br>"));
        var mixerTestLoss = traces.Single(t => t!["name"]!.GetValue<string>() == "mixer" && t["line"]!["dash"]?.GetValue<string>() is null or "solid" && t["xaxis"]?.GetValue<string>() is null or "x");
        Assert.Equal([2.1, 1.7, 1.5], Numbers(mixerTestLoss!["y"]));
        Assert.Equal([1.0, 2, 3], Numbers(mixerTestLoss["x"]));
        var layout = figure["layout"]!;
        Assert.Equal("epoch", layout["xaxis"]!["title"]!["text"]!.GetValue<string>());
        var inLegend = traces.Where(t => t!["showlegend"]?.GetValue<bool>() != false).Select(t => t!["name"]!.GetValue<string>());
        Assert.Equal(["mixer", "gmlp"], inLegend);                          // one entry per run; the loss panel's title explains the dashes
        Assert.Contains(layout["annotations"]!.AsArray(), a => a!["text"]!.GetValue<string>().Contains("dashed: train"));
        Assert.Equal("training curves", layout["title"]!["text"]!.GetValue<string>());
        Assert.Contains(ChartHtml.CssClass, ChartHtml.Render(Charts.Curves(a)));
    }

    [Fact]
    public void Curves_on_a_grid_give_each_column_its_panels_and_each_series_one_colour_and_one_legend_entry()
    {
        var runs = new[] { ("mixer", "original"), ("mixer", "shuffled"), ("resnet", "original"), ("resnet", "shuffled") }
            .Select((k, i) => (k.Item1, k.Item2, Run($"{k.Item1} {k.Item2}", (2.0 + i, 2.1, 0.3 + 0.01 * i), (1.5, 1.7, 0.45 + 0.01 * i))));
        var figure = Figure(Charts.CurvesGrid(runs, "six runs"));
        var traces = figure["data"]!.AsArray();
        Assert.Equal(8, traces.Count);                                     // 4 runs × (loss, top-1)
        Assert.Equal(["original", "shuffled"], traces.Where(t => t!["showlegend"]?.GetValue<bool>() != false).Select(t => t!["name"]!.GetValue<string>()));
        foreach (var series in new[] { "original", "shuffled" })
            Assert.Single(traces.Where(t => t!["name"]!.GetValue<string>() == series).Select(t => t!["line"]!["color"]!.GetValue<string>()).Distinct());
        // The resnet · shuffled run's loss (top row, second column: axes x2/y2) is its train loss per epoch.
        var resnetShuffledLoss = traces.Single(t => t!["name"]!.GetValue<string>() == "shuffled" && t["xaxis"]?.GetValue<string>() == "x2");
        Assert.Equal([5.0, 1.5], Numbers(resnetShuffledLoss!["y"]));
        var annotations = figure["layout"]!["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(["mixer: training loss", "resnet: training loss", "mixer: training top-1", "resnet: training top-1"], annotations);
        Assert.Throws<ArgumentException>(() => Charts.CurvesGrid([]));
    }

    [Fact]
    public void Top_k_bars_show_each_models_five_accuracies()
    {
        var figure = Figure(Charts.TopK([("mixer", [0.5, 0.7, 0.8, 0.85, 0.9]), ("cnn", [0.6, 0.75, 0.82, 0.88, 0.93])]));
        var traces = figure["data"]!.AsArray();
        Assert.Equal(2, traces.Count);
        Assert.Equal([0.6, 0.75, 0.82, 0.88, 0.93], Numbers(traces[1]!["y"]));
        Assert.Equal(["top-1", "top-2", "top-3", "top-4", "top-5"], traces[0]!["x"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("group", figure["layout"]!["barmode"]!.GetValue<string>());
    }

    [Fact]
    public void Confusion_colours_are_row_shares_and_the_text_is_counts()
    {
        long[,] counts = { { 8, 2, 0 }, { 1, 6, 3 }, { 0, 0, 5 } };
        var figure = Figure(Charts.Confusion(counts, ["cat", "dog", "ship"]));
        var trace = figure["data"]![0]!;
        var z = trace["z"]!.AsArray().Select(Numbers).ToArray();
        Assert.Equal([0.8, 0.2, 0.0], z[0]);
        Assert.Equal([0.1, 0.6, 0.3], z[1]);
        Assert.Equal(["cat", "dog", "ship"], trace["y"]!.AsArray().Select(v => v!.GetValue<string>()));
        var texts = trace["text"]!.AsArray().Select(row => row!.AsArray().Select(t => t!.ToString()).ToArray()).ToArray();
        Assert.Equal(["8", "2", "0"], texts[0]);                 // each cell shows its count
        Assert.Equal(["1", "6", "3"], texts[1]);
        Assert.Contains("25 test images, 76.0", figure["layout"]!["title"]!["text"]!.GetValue<string>());
        Assert.Throws<ArgumentException>(() => Charts.Confusion(counts, ["cat", "dog"]));
    }

    [Fact]
    public void Spatial_weights_get_one_heatmap_per_head_plus_the_average_on_one_symmetric_scale()
    {
        using var w = torch.tensor(new float[] { 1, -2, 0, 0.5f, 3, 1, -1, 0 }).view(2, 2, 2);
        var figure = Figure(Charts.SpatialWeights(w));
        var traces = figure["data"]!.AsArray();
        Assert.Equal(3, traces.Count);
        Assert.Equal([1.0, -2], Numbers(traces[0]!["z"]![0]));
        Assert.Equal([2.0, -0.5], Numbers(traces[2]!["z"]![0]));           // mean of the heads: (1+3)/2, (−2+1)/2
        Assert.All(traces, t => Assert.Equal(3.0, t!["zmax"]!.GetValue<double>()));
        Assert.All(traces, t => Assert.Equal(-3.0, t!["zmin"]!.GetValue<double>()));
        Assert.Equal("x2", figure["layout"]!["yaxis2"]!["scaleanchor"]!.GetValue<string>());   // square cells
        var single = Figure(Charts.SpatialWeights(torch.eye(4)));
        Assert.Single(single["data"]!.AsArray());
        Assert.Throws<ArgumentException>(() => Charts.SpatialWeights(torch.zeros(2, 3)));
    }

    [Fact]
    public void Spatial_weights_panels_can_be_retitled_and_say_other_things_on_hover()
    {
        using var w = torch.zeros(3, 4, 4);
        var figure = Figure(Charts.SpatialWeights(w, "blocks", panelTitles: ["block 1", "block 2", "block 3", "mean"],
                                                  hoverTemplate: "%{z}<extra></extra>"));
        var titles = figure["layout"]!["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>());
        Assert.Equal(["block 1", "block 2", "block 3", "mean"], titles);
        Assert.All(figure["data"]!.AsArray(), t => Assert.Equal("%{z}<extra></extra>", t!["hovertemplate"]!.GetValue<string>()));
        var heads = Figure(Charts.SpatialWeights(w))["layout"]!["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>());
        Assert.Equal(["head 1", "head 2", "head 3", "average of heads"], heads);
        var error = Assert.Throws<ArgumentException>(() => Charts.SpatialWeights(w, panelTitles: ["block 1", "block 2", "block 3"]));
        Assert.Contains("4 panels, 3 titles", error.Message);
    }

    [Fact]
    public void Side_by_side_charts_are_one_output_each_at_its_own_width()
    {
        using var table = torch.ones(2, 3);
        var html = Charts.SideBySide(Charts.TokenTable(table, "a"), Charts.TokenTable(table, "b")).ToString();
        Assert.Equal(2, html.Split($"class=\"{ChartHtml.CssClass}\"").Length - 1);
        Assert.Equal(2, html.Split("flex:0 0 auto;width:").Length - 1);
        Assert.Contains("display:flex;flex-wrap:wrap", html);
    }

    [Fact]
    public void Values_of_a_matrix_tensor_are_its_entries_row_by_row()
    {
        using var m = arange(6, dtype: ScalarType.Float32).reshape(2, 3);      // [[0, 1, 2], [3, 4, 5]]
        var values = Charts.Values(m);
        Assert.Equal(new double[,] { { 0, 1, 2 }, { 3, 4, 5 } }, values);
        using var batched = m.unsqueeze(0);                                    // [1, 2, 3]: leading 1 dropped
        Assert.Equal(values, Charts.Values(batched));
        using var cube = zeros(2, 2, 2);
        Assert.Throws<ArgumentException>(() => Charts.Values(cube));
    }
}
