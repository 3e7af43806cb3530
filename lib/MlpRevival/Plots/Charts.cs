using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;
using MlpRevival.Display;
using MlpRevival.Training;
using Plotly.NET;
using TorchSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace MlpRevival.Plots;

/// <summary>
/// The course's charts. Each returns a Plotly.NET <see cref="GenericChart"/>: the last expression of a
/// notebook cell (or <c>.Display()</c>) renders it through the course's formatter, in VS Code and in
/// exported HTML alike. Sized for a ~1000 px page, with titles, axis labels and legends.
/// </summary>
public static partial class Charts
{
    /// <summary>
    /// Loss and top-1 accuracy per epoch, train (dashed) vs test (solid), one colour per run —
    /// several runs on one chart compare them.
    /// </summary>
    public static GenericChart Curves(params TrainResult[] runs) => Curves((IEnumerable<TrainResult>)runs);

    public static GenericChart Curves(IEnumerable<TrainResult> runs, string? title = null)
    {
        var list = runs.ToList();
        if (list.Count == 0) throw new ArgumentException("no runs to plot.", nameof(runs));
        var loss = new List<GenericChart>();
        var accuracy = new List<GenericChart>();
        for (int r = 0; r < list.Count; r++)
        {
            var run = list[r];
            var color = Color.fromHex(Style.Palette[r % Style.Palette.Length]);
            var epochs = run.Epochs.Select(e => e.Epoch).ToList();
            bool tested = run.Epochs.Any(e => e.TestLoss is not null);
            // One run: a legend entry per split. Several: one entry per run (its colour; the loss panel's
            // title says which dash is which), and clicking it shows or hides both of the run's lines.
            string Group(string split) => list.Count == 1 ? split : run.Name;
            bool Legend(string split) => list.Count == 1 || split == (tested ? "test" : "train");
            GenericChart Line(IEnumerable<double?> values, string split, bool lossPanel) =>
                EpochLine(epochs, values, name: list.Count == 1 ? split : run.Name, color, showLegend: lossPanel && Legend(split),
                          group: Group(split), hoverLabel: list.Count == 1 ? split : $"{run.Name} · {split}", lossPanel, dashed: split == "train");
            loss.Add(Line(run.Epochs.Select(e => (double?)e.TrainLoss), "train", true));
            accuracy.Add(Line(run.Epochs.Select(e => (double?)e.TrainTop1), "train", false));
            if (tested)
            {
                loss.Add(Line(run.Epochs.Select(e => e.TestLoss), "test", true));
                accuracy.Add(Line(run.Epochs.Select(e => e.TestTop1), "test", false));
            }
        }
        string lossTitle = list.Count == 1 ? "cross-entropy loss" : "cross-entropy loss (dashed: train, solid: test)";
        var chart = CSharpChart.Grid([CSharpChart.Combine(loss), CSharpChart.Combine(accuracy)], 1, 2,
                                     SubPlotTitles: new[] { lossTitle, "top-1 accuracy" }, XGap: 0.12);
        chart = Style.Page(chart, Style.FullWidth, 420, title ?? (list.Count == 1 ? $"{list[0].Name}: training curves" : "training curves"));
        return Style.Layout(chart, l =>
        {
            Style.Axis(l, "xaxis", Dict(("title", Dict(("text", "epoch"))), ("dtick", 1), ("gridcolor", "#eee")));
            Style.Axis(l, "xaxis2", Dict(("title", Dict(("text", "epoch"))), ("dtick", 1), ("gridcolor", "#eee")));
            // No y axis titles: the panel titles name both, and a second panel's y title collides with its tick labels.
            Style.Axis(l, "yaxis", Dict(("gridcolor", "#eee")));
            Style.Axis(l, "yaxis2", Dict(("gridcolor", "#eee")));
            Style.Axis(l, "yaxis2", new Dictionary<string, object>(Style.PercentAxis) { ["rangemode"] = "tozero" });
            Style.LegendBelow(l);
            Style.Margin(l, 60, 20, 70, 110);
        });
    }

    /// <summary>
    /// Training curves of many runs on a grid, for the dozen runs <see cref="Curves"/> would pile onto two
    /// panels: one column per <c>Column</c> value (a model, say), loss on the top row and top-1 below, one
    /// line per <c>Series</c> value in each panel (a pipeline, say) in the same colour in every panel, one
    /// legend for all. The metrics of the training batches, per epoch.
    /// </summary>
    public static GenericChart CurvesGrid(IEnumerable<(string Column, string Series, TrainResult Run)> runs, string? title = null)
    {
        var list = runs.ToList();
        if (list.Count == 0) throw new ArgumentException("no runs to plot.", nameof(runs));
        var columns = list.Select(r => r.Column).Distinct().ToList();
        var series = list.Select(r => r.Series).Distinct().ToList();
        var panels = new List<GenericChart>();
        foreach (bool lossRow in new[] { true, false })
            foreach (var column in columns)
                panels.Add(CSharpChart.Combine(list.Where(r => r.Column == column).Select(r =>
                {
                    var color = Color.fromHex(Style.Palette[series.IndexOf(r.Series) % Style.Palette.Length]);
                    var epochs = r.Run.Epochs;
                    return EpochLine(epochs.Select(e => e.Epoch), epochs.Select(e => (double?)(lossRow ? e.TrainLoss : e.TrainTop1)), name: r.Series, color,
                                     showLegend: lossRow && column == columns[0], group: r.Series, hoverLabel: $"{column} · {r.Series}", lossRow, dashed: false);
                })));
        var titles = new[] { "training loss", "training top-1" }.SelectMany(metric => columns.Select(c => $"{c}: {metric}")).ToArray();
        var chart = CSharpChart.Grid(panels, 2, columns.Count, SubPlotTitles: titles, XGap: 0.12, YGap: 0.22);
        chart = Style.Page(chart, Style.FullWidth, 600, title ?? "training curves");
        return Style.Layout(chart, l =>
        {
            for (int p = 1; p <= panels.Count; p++)
            {
                string suffix = p == 1 ? "" : p.ToString(CultureInfo.InvariantCulture);
                bool lossRow = p <= columns.Count;
                // The epoch axis is named once, under the bottom row; the panel titles name the y axes.
                Style.Axis(l, "xaxis" + suffix, Dict(("title", Dict(("text", lossRow ? "" : "epoch"))), ("dtick", 1), ("gridcolor", "#eee")));
                Style.Axis(l, "yaxis" + suffix, Dict(("gridcolor", "#eee")));
                if (!lossRow) Style.Axis(l, "yaxis" + suffix, new Dictionary<string, object>(Style.PercentAxis) { ["rangemode"] = "tozero" });   // a lone point gets a readable range
            }
            Style.LegendBelow(l);
            Style.Margin(l, 60, 20, 70, 110);
        });
    }

    /// <summary>
    /// One metric per epoch as a line with markers, for <see cref="Curves"/> and <see cref="CurvesGrid"/>:
    /// missing and non-finite values are skipped; lines of one <paramref name="group"/> show and hide together.
    /// </summary>
    static GenericChart EpochLine(IEnumerable<int> epochs, IEnumerable<double?> values, string name, Color color, bool showLegend,
                                  string group, string hoverLabel, bool loss, bool dashed)
    {
        var points = epochs.Zip(values).Where(p => p.Second is { } v && double.IsFinite(v)).ToList();
        var line = CSharpChart.Line<int, double, string>(
            points.Select(p => p.First), points.Select(p => p.Second!.Value), ShowMarkers: true,
            Name: name, ShowLegend: showLegend, LineColor: color, MarkerColor: color,
            LineDash: dashed ? StyleParam.DrawingStyle.Dash : StyleParam.DrawingStyle.Solid);
        return Style.Traces(line, new Dictionary<string, object>
        {
            ["legendgroup"] = group,
            ["hovertemplate"] = hoverLabel + (loss ? "<br>epoch %{x}: loss %{y:.4f}" : "<br>epoch %{x}: %{y:.1%}") + "<extra></extra>",
        });
    }

    /// <summary>Top-1 … top-5 test accuracy of several models, as grouped bars.</summary>
    public static GenericChart TopK(IEnumerable<(string Model, IReadOnlyList<double> TopK)> models, string title = "top-k test accuracy")
    {
        var keys = Enumerable.Range(1, 5).Select(k => $"top-{k}").ToList();
        var bars = models.Select((m, i) => CSharpChart.Column<double, string, string>(
            m.TopK.Take(5), Keys: keys, Name: m.Model, MarkerColor: Color.fromHex(Style.Palette[i % Style.Palette.Length]),
            MultiText: m.TopK.Take(5).Select(a => a.ToString("P1", CultureInfo.InvariantCulture)).ToList(),
            TextPosition: StyleParam.TextPosition.Outside)).ToList();
        if (bars.Count == 0) throw new ArgumentException("no models to plot.", nameof(models));
        var chart = Style.Page(CSharpChart.Combine(bars), Style.FullWidth, 460, title);
        return Style.Layout(chart, l =>
        {
            l.SetProperty("barmode", "group");
            Style.Axis(l, "yaxis", Dict(("title", Dict(("text", "accuracy"))), ("range", new[] { 0.0, 1.08 }), ("gridcolor", "#eee")));
            Style.Axis(l, "yaxis", Style.PercentAxis);
            Style.Axis(l, "xaxis", Dict(("title", Dict(("text", "the true class is among the k highest scores")))));
            Style.LegendBelow(l);   // at the right, long model names squeezed the bars into half the width
            Style.Margin(l, 60, 20, 60, 100);
        });
    }

    /// <summary>Top-k bars of finished runs (their final test evaluation).</summary>
    public static GenericChart TopK(params TrainResult[] runs) =>
        TopK(runs.Where(r => r.Test is not null).Select(r => (r.Name, r.Test!.TopK)));

    /// <summary>
    /// Confusion matrix as a heatmap: rows the true class, columns the predicted one; colour = share of
    /// the row (recall), text = image count.
    /// </summary>
    public static GenericChart Confusion(EvalResult eval, string? title = null) => Confusion(eval.Confusion, eval.ClassNames, title);

    public static GenericChart Confusion(long[,] counts, IReadOnlyList<string> classNames, string? title = null)
    {
        int n = counts.GetLength(0);
        if (counts.GetLength(1) != n || classNames.Count != n)
            throw new ArgumentException($"a {counts.GetLength(0)}×{counts.GetLength(1)} matrix needs that many class names (got {classNames.Count}).");
        var share = Enumerable.Range(0, n).Select(i =>
        {
            double row = Enumerable.Range(0, n).Sum(j => (double)counts[i, j]);
            return Enumerable.Range(0, n).Select(j => row == 0 ? 0 : counts[i, j] / row).ToArray();
        }).ToArray();
        var text = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => counts[i, j].ToString(CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var chart = Style.WithCellText(CSharpChart.Heatmap<double, string, string, string>(
            share, X: classNames.ToArray(), Y: classNames.ToArray(), ReverseYAxis: true, XGap: 1, YGap: 1), text);
        chart = Style.Traces(chart, new Dictionary<string, object>
        {
            // plotly.js's "Blues" runs dark → light: reversed, so that more is darker.
            ["zmin"] = 0, ["zmax"] = 1, ["colorscale"] = "Blues", ["reversescale"] = true,
            ["colorbar"] = Dict(("title", Dict(("text", "share of row"))), ("tickformat", "~%")),
            ["hovertemplate"] = "true %{y}, predicted %{x}: %{z:.1%}<extra></extra>",
        });
        long total = 0, correct = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { total += counts[i, j]; if (i == j) correct += counts[i, j]; }
        title ??= $"confusion matrix ({total:N0} test images, {(double)correct / Math.Max(total, 1):P1} correct)";
        chart = Style.Page(chart, Math.Clamp(Style.TitleWidth(title), 720, Style.FullWidth), 640, title);
        return Style.Layout(chart, l =>
        {
            Style.Axis(l, "xaxis", Dict(("title", Dict(("text", "predicted class"))), ("side", "bottom"), ("tickangle", -35)));
            Style.Axis(l, "yaxis", Dict(("title", Dict(("text", "true class"))), ("autorange", "reversed"), ("scaleanchor", "x")));
            Style.Margin(l, 130, 20, 60, 100);   // fits "automobile" and the axis title
        });
    }

    /// <summary>
    /// Learned token-mixing weights of gMLP's spatial gating unit: W [heads, n, n] (or [n, n]), one
    /// heatmap per head plus their average; entry (i, j) is how much token j feeds token i. A diverging
    /// colour scale centred on 0, the same range in every panel, square cells.
    /// <paramref name="panelTitles"/> replaces "head 1", …, "average of heads" (one per panel, in order:
    /// for panels that are blocks, say); <paramref name="hoverTemplate"/> replaces what hovering a cell
    /// shows (a plotly hovertemplate: %{x}, %{y}, %{z}).
    /// </summary>
    public static GenericChart SpatialWeights(Tensor weights, string title = "spatial gating weights W (row i: output token, column j: input token)", int columns = 4,
        IReadOnlyList<string>? panelTitles = null, string? hoverTemplate = null)
    {
        using var scope = torch.NewDisposeScope();
        var w = weights.detach().cpu().to(ScalarType.Float64);
        if (w.dim() == 2) w = w.unsqueeze(0);
        if (w.dim() != 3 || w.shape[1] != w.shape[2])
            throw new ArgumentException($"expected [heads, n, n] or [n, n] weights, got [{string.Join(", ", weights.shape)}].", nameof(weights));
        int heads = (int)w.shape[0], n = (int)w.shape[1];
        var panels = new List<(string Title, double[][] Z)>();
        double[][] Matrix(Tensor m)
        {
            var flat = m.contiguous().data<double>().ToArray();
            return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * n, n).ToArray()).ToArray();
        }
        for (int h = 0; h < heads; h++) panels.Add(($"head {h + 1}", Matrix(w[h])));
        if (heads > 1) panels.Add(("average of heads", Matrix(w.mean([0L]))));
        if (panelTitles is not null)
        {
            if (panelTitles.Count != panels.Count)
                throw new ArgumentException($"the chart has {panels.Count} panels, {panelTitles.Count} titles were given.", nameof(panelTitles));
            panels = panels.Select((p, i) => (panelTitles[i], p.Z)).ToList();
        }
        double range = Math.Max(panels.Max(p => p.Z.Max(r => r.Max(Math.Abs))), 1e-12);

        int cols = Math.Min(columns, panels.Count), rows = (panels.Count + cols - 1) / cols;
        var charts = panels.Select((p, i) => Style.Traces(
            CSharpChart.Heatmap<double, int, int, string>(p.Z, ShowScale: i == panels.Count - 1),
            new Dictionary<string, object>
            {
                // plotly.js's RdBu: blue = negative, white = 0, red = positive.
                ["zmin"] = -range, ["zmax"] = range, ["zmid"] = 0, ["colorscale"] = "RdBu", ["reversescale"] = false,
                ["hovertemplate"] = hoverTemplate ?? "token %{x} → token %{y}: %{z:.4f}<extra></extra>",
            })).ToList();
        var grid = CSharpChart.Grid(charts, rows, cols, SubPlotTitles: panels.Select(p => p.Title).ToList(), XGap: 0.08, YGap: 0.12);
        int cell = cols switch { 1 => 420, 2 => 380, 3 => 290, _ => 220 };
        grid = Style.Page(grid, Math.Min(Style.FullWidth, Math.Max(cols * cell + 120, Style.TitleWidth(title))), rows * cell + 90, title);
        return Style.Layout(grid, l =>
        {
            for (int i = 1; i <= panels.Count; i++)
            {
                string suffix = i == 1 ? "" : i.ToString(CultureInfo.InvariantCulture);
                Style.Axis(l, "xaxis" + suffix, Dict(("constrain", "domain"), ("showgrid", false), ("zeroline", false)));
                Style.Axis(l, "yaxis" + suffix, Dict(("autorange", "reversed"), ("scaleanchor", "x" + suffix), ("constrain", "domain"), ("showgrid", false), ("zeroline", false)));
            }
            Style.Margin(l, 50, 30, 80, 40);
        });
    }

    /// <summary>
    /// Several charts next to each other (wrapping onto further rows when the page is too narrow), as
    /// one HTML output: the steps of a computation read left to right, each chart at its own size.
    /// </summary>
    public static HtmlString SideBySide(params GenericChart[] charts)
    {
        var html = new StringBuilder("<div style=\"display:flex;flex-wrap:wrap;gap:4px;align-items:flex-start\">");
        foreach (var chart in charts)
        {
            var (width, _) = GenericChart.tryGetLayoutSize(chart).ToValueTuple();
            string w = width is null ? "100%" : width.Value.ToString(CultureInfo.InvariantCulture) + "px";
            html.Append($"<div style=\"flex:0 0 auto;width:{w}\">").Append(ChartHtml.Render(chart)).Append("</div>");
        }
        return new HtmlString(html.Append("</div>").ToString());
    }

    static Dictionary<string, object> Dict(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);
}
