using System.Globalization;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace MlpRevival.Plots;

/// <summary>A named series of (x, y) points for <see cref="Charts.Lines"/>.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>Charts of plain numbers — counts, costs, quoted results — in the course's one look.</summary>
public static partial class Charts
{
    /// <summary>One bar per key, its value written on it.</summary>
    public static GenericChart Bars(IReadOnlyList<string> keys, IReadOnlyList<double> values, string title,
        string xTitle, string yTitle, bool logY = false, string valueFormat = "N0")
    {
        if (keys.Count != values.Count) throw new ArgumentException($"{keys.Count} keys but {values.Count} values.");
        var bars = CSharpChart.Column<double, string, string>(values, Keys: keys.ToArray(), MarkerColor: Color.fromHex(Style.Palette[0]),
            MultiText: values.Select(v => v.ToString(valueFormat, CultureInfo.InvariantCulture)).ToList(), TextPosition: StyleParam.TextPosition.Outside);
        return Axes(Style.Page(Unclipped(bars), 860, 400, title), xTitle, yTitle, logY, percent: valueFormat.StartsWith('P'));
    }

    /// <summary>Groups of bars: one group per entry of <paramref name="groups"/>, one colour per series.</summary>
    public static GenericChart GroupedBars(IReadOnlyList<string> groups, IEnumerable<(string Name, IReadOnlyList<double> Values)> series,
        string title, string xTitle, string yTitle, bool percent = false, bool logY = false)
    {
        var bars = series.Select((s, i) =>
        {
            if (s.Values.Count != groups.Count) throw new ArgumentException($"series '{s.Name}' has {s.Values.Count} values for {groups.Count} groups.");
            return CSharpChart.Column<double, string, string>(s.Values, Keys: groups.ToArray(), Name: s.Name,
                MarkerColor: Color.fromHex(Style.Palette[i % Style.Palette.Length]),
                MultiText: s.Values.Select(v => v.ToString(percent ? "P1" : "N0", CultureInfo.InvariantCulture)).ToList(),
                TextPosition: StyleParam.TextPosition.Outside);
        }).ToList();
        if (bars.Count == 0) throw new ArgumentException("no series to plot.", nameof(series));
        var chart = Style.Layout(Style.Page(Unclipped(CSharpChart.Combine(bars)), 920, 420, title), l => l.SetProperty("barmode", "group"));
        return Axes(chart, xTitle, yTitle, logY, percent);
    }

    /// <summary>Lines with markers, one per series; a log y axis shows growth laws as straight lines.</summary>
    public static GenericChart Lines(IEnumerable<Series> series, string title, string xTitle, string yTitle, bool logX = false, bool logY = false, bool percent = false)
    {
        var lines = series.Select((s, i) =>
        {
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}' has {s.X.Count} x values and {s.Y.Count} y values.");
            var color = Color.fromHex(Style.Palette[i % Style.Palette.Length]);
            return CSharpChart.Line<double, double, string>(s.X, s.Y, Name: s.Name, ShowMarkers: true, LineColor: color, MarkerColor: color);
        }).ToList();
        if (lines.Count == 0) throw new ArgumentException("no series to plot.", nameof(series));
        var chart = Axes(Style.Page(CSharpChart.Combine(lines), 920, 420, title), xTitle, yTitle, logY, percent);
        return logX ? Style.Layout(chart, l => Style.Axis(l, "xaxis", Dict(("type", "log")))) : chart;
    }

    /// <summary>The values of a matrix tensor — [rows, cols], or with leading dimensions of size 1 — as a double[rows, cols] for <see cref="Matrix"/>.</summary>
    public static double[,] Values(TorchSharp.torch.Tensor matrix)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var m = matrix.detach().cpu().to(TorchSharp.torch.ScalarType.Float64);
        while (m.dim() > 2 && m.shape[0] == 1) m = m.squeeze(0);
        if (m.dim() != 2) throw new ArgumentException($"expected a matrix, got [{string.Join(", ", matrix.shape)}].", nameof(matrix));
        int rows = (int)m.shape[0], cols = (int)m.shape[1];
        var flat = m.contiguous().data<double>().ToArray();
        var values = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) values[i, j] = flat[i * cols + j];
        return values;
    }

    /// <summary>
    /// A small matrix as a heatmap with every value written in its cell — for tensors small enough
    /// to read (rows top to bottom as printed). A diverging scale centred on 0.
    /// </summary>
    public static GenericChart Matrix(double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string title,
        string format = "0.00", int cellSize = 56)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        if (rowLabels.Count != rows || columnLabels.Count != cols)
            throw new ArgumentException($"a {rows}×{cols} matrix needs {rows} row and {cols} column labels (got {rowLabels.Count} and {columnLabels.Count}).");
        var z = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, cols).Select(j => values[i, j]).ToArray()).ToArray();
        var text = z.Select(r => r.Select(v => v.ToString(format, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        double range = Math.Max(z.Max(r => r.Max(Math.Abs)), 1e-12);
        var chart = Style.WithCellText(CSharpChart.Heatmap<double, string, string, string>(z, X: columnLabels.ToArray(), Y: rowLabels.ToArray(),
            ReverseYAxis: true, XGap: 2, YGap: 2), text);
        chart = Style.Traces(chart, new Dictionary<string, object>
        {
            ["zmin"] = -range, ["zmax"] = range, ["zmid"] = 0, ["colorscale"] = "RdBu", ["showscale"] = false,
            ["hovertemplate"] = "%{y}, %{x}: %{z}<extra></extra>",
        });
        // Wide enough for the title too (about 7 px per character of the 13 px font).
        int width = Math.Min(Style.FullWidth, Math.Max(Math.Max(260, cols * cellSize + 140), 7 * title.Length + 40));
        chart = Style.Page(chart, width, Math.Max(200, rows * cellSize + 110), title);
        return Style.Layout(chart, l =>
        {
            Style.Axis(l, "xaxis", Dict(("side", "top"), ("showgrid", false), ("zeroline", false)));
            Style.Axis(l, "yaxis", Dict(("autorange", "reversed"), ("showgrid", false), ("zeroline", false)));
            l.SetProperty("margin", Dict(("l", 110), ("r", 20), ("t", 90), ("b", 20)));
        });
    }

    // Values written above the tallest bars stay visible instead of being cut at the plot's top.
    static GenericChart Unclipped(GenericChart bars) => Style.Traces(bars, new Dictionary<string, object> { ["cliponaxis"] = false });

    static GenericChart Axes(GenericChart chart, string xTitle, string yTitle, bool logY, bool percent) => Style.Layout(chart, l =>
    {
        Style.Axis(l, "xaxis", Dict(("title", Dict(("text", xTitle)))));
        var y = new List<(string, object)> { ("title", Dict(("text", yTitle))), ("gridcolor", "#eee") };
        if (logY) y.Add(("type", "log"));
        if (percent) y.Add(("tickformat", ".0%"));
        Style.Axis(l, "yaxis", Dict(y.ToArray()));
        l.SetProperty("legend", Dict(("orientation", "h"), ("y", -0.2)));
    });
}
