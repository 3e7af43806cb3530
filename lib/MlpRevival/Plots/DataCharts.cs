using System.Globalization;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace MlpRevival.Plots;

/// <summary>A named series of (x, y) points for <see cref="Charts.Lines"/>.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>The line's dash (plotly's <see cref="StyleParam.DrawingStyle"/>); null: solid.</summary>
    public StyleParam.DrawingStyle? Dash { get; init; }

    /// <summary>The line's width in pixels; null: plotly's default (2).</summary>
    public double? Width { get; init; }

    /// <summary>This series drawn dotted and wider, so that a line lying on top of another stays visible.</summary>
    public Series Dotted() => this with { Dash = StyleParam.DrawingStyle.Dot, Width = 4 };
}

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

    /// <summary>
    /// Groups of bars: one group per entry of <paramref name="groups"/>, one colour per series.
    /// <paramref name="stacked"/>: the series' bars on top of each other instead of side by side, each
    /// value written inside its segment (hidden where the segment is too thin to hold it).
    /// </summary>
    public static GenericChart GroupedBars(IReadOnlyList<string> groups, IEnumerable<(string Name, IReadOnlyList<double> Values)> series,
        string title, string xTitle, string yTitle, bool percent = false, bool logY = false, bool stacked = false)
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
        chart = Axes(chart, xTitle, yTitle, logY, percent);
        if (!stacked) return chart;
        return Style.Traces(Style.Layout(chart, l =>
        {
            l.SetProperty("barmode", "stack");
            l.SetProperty("uniformtext", Dict(("minsize", 10), ("mode", "hide")));
        }), Dict(("textposition", "inside"), ("insidetextanchor", "middle")));
    }

    /// <summary>
    /// Lines with markers, one per series (dashed or wider as each <see cref="Series"/> says); a log y
    /// axis shows growth laws as straight lines. The x axis options: see <see cref="XAxis"/>.
    /// </summary>
    public static GenericChart Lines(IEnumerable<Series> series, string title, string xTitle, string yTitle, bool logX = false, bool logY = false, bool percent = false,
        IReadOnlyList<double>? xTicks = null, IReadOnlyList<string>? xTickLabels = null, (double Low, double High)? xRange = null)
    {
        var lines = series.Select((s, i) =>
        {
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}' has {s.X.Count} x values and {s.Y.Count} y values.");
            var color = Color.fromHex(Style.Palette[i % Style.Palette.Length]);
            return CSharpChart.Line<double, double, string>(s.X, s.Y, Name: s.Name, ShowMarkers: true, LineColor: color, MarkerColor: color,
                LineDash: new Plotly.NET.CSharp.Optional<StyleParam.DrawingStyle>(s.Dash!, s.Dash is not null),
                LineWidth: new Plotly.NET.CSharp.Optional<double>(s.Width ?? 0, s.Width is not null));
        }).ToList();
        if (lines.Count == 0) throw new ArgumentException("no series to plot.", nameof(series));
        var chart = Axes(Style.Page(CSharpChart.Combine(lines), 920, 420, title), xTitle, yTitle, logY, percent);
        return XAxis(chart, logX, xTicks, xTickLabels, xRange);
    }

    /// <summary>
    /// One labelled point per entry — a scatter of quoted results where every point is a different
    /// model: a marker in the entry's colour and its label written next to it (plotly text positions
    /// such as "top center", "middle right"), no legend. The x axis options: see <see cref="XAxis"/>.
    /// </summary>
    public static GenericChart Points(IEnumerable<(string Label, double X, double Y, string Colour, string TextPosition)> points,
        string title, string xTitle, string yTitle, bool logX = false,
        IReadOnlyList<double>? xTicks = null, IReadOnlyList<string>? xTickLabels = null, (double Low, double High)? xRange = null)
    {
        var list = points.ToList();
        var chart = Lines(list.Select(p => new Series(p.Label, [p.X], [p.Y])), title, xTitle, yTitle, logX, xTicks: xTicks, xTickLabels: xTickLabels, xRange: xRange);
        var traces = GenericChart.getTraces(chart).ToList();
        for (int i = 0; i < traces.Count; i++)
        {
            var p = list[i];
            traces[i].SetProperty("mode", "markers+text");
            traces[i].SetProperty("text", new[] { p.Label });
            traces[i].SetProperty("textposition", p.TextPosition);
            traces[i].SetProperty("textfont", Dict(("size", 12), ("color", "#333")));
            traces[i].SetProperty("marker", Dict(("size", 11), ("color", p.Colour)));
            traces[i].SetProperty("showlegend", false);
            traces[i].SetProperty("cliponaxis", false);
            traces[i].SetProperty("hovertemplate", $"{p.Label}: %{{x}}, %{{y}}<extra></extra>");
        }
        return chart;
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
    /// A token table [S, C] (or [1, S, C]) as a <see cref="Matrix"/>, rows labelled "token 0…" and
    /// columns "ch 0…" (or <paramref name="rowName"/>, <paramref name="columnName"/>: "ch" and "token"
    /// for its transpose) — the paper's S×C table read as printed.
    /// </summary>
    public static GenericChart TokenTable(TorchSharp.torch.Tensor table, string title, string rowName = "token", string columnName = "ch",
        string format = "0.00", int cellSize = 46)
    {
        var values = Values(table);
        var rows = Enumerable.Range(0, values.GetLength(0)).Select(i => $"{rowName} {i}").ToList();
        var cols = Enumerable.Range(0, values.GetLength(1)).Select(j => $"{columnName} {j}").ToList();
        return Matrix(values, rows, cols, title, format, cellSize);
    }

    /// <summary>
    /// A small matrix as a heatmap with every value written in its cell — for tensors small enough
    /// to read (rows top to bottom as printed). A diverging scale centred on 0, or, with
    /// <paramref name="cellCategories"/>, cell (i, j) in <c>categoryColours[cellCategories[i, j]]</c>
    /// (the numbers stay written in the cells).
    /// </summary>
    public static GenericChart Matrix(double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string title,
        string format = "0.00", int cellSize = 56, int[,]? cellCategories = null, IReadOnlyList<string>? categoryColours = null)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        if (rowLabels.Count != rows || columnLabels.Count != cols)
            throw new ArgumentException($"a {rows}×{cols} matrix needs {rows} row and {cols} column labels (got {rowLabels.Count} and {columnLabels.Count}).");
        if ((cellCategories is null) != (categoryColours is null))
            throw new ArgumentException("cell categories and their colours go together: give both or neither.", nameof(cellCategories));
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
        // Wide enough for the title too.
        int width = Math.Min(Style.FullWidth, Math.Max(Math.Max(260, cols * cellSize + 140), Style.TitleWidth(title)));
        chart = Style.Page(chart, width, Math.Max(200, rows * cellSize + 110), title);
        chart = Style.Layout(chart, l =>
        {
            Style.Axis(l, "xaxis", Dict(("side", "top"), ("showgrid", false), ("zeroline", false)));
            Style.Axis(l, "yaxis", Dict(("autorange", "reversed"), ("showgrid", false), ("zeroline", false)));
            Style.Margin(l, 110, 20, 90, 20);
        });
        return cellCategories is null ? chart : ColourByCategory(chart, cellCategories, categoryColours!, rows, cols);
    }

    // The colour scale becomes one colour per category, z the category: a step scale with a stop per colour.
    static GenericChart ColourByCategory(GenericChart matrix, int[,] category, IReadOnlyList<string> colours, int rows, int cols)
    {
        int n = colours.Count;
        if (category.GetLength(0) != rows || category.GetLength(1) != cols)
            throw new ArgumentException($"a {rows}×{cols} matrix needs {rows}×{cols} cell categories (got {category.GetLength(0)}×{category.GetLength(1)}).", nameof(category));
        if (n == 0) throw new ArgumentException("no colours given.", nameof(colours));
        foreach (var c in category)
            if (c < 0 || c >= n) throw new ArgumentException($"category {c} has no colour (there are {n}).", nameof(category));
        var z = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, cols).Select(j => (double)category[i, j]).ToArray()).ToArray();
        double top = Math.Max(1, n - 1);
        var scale = colours.Select((colour, k) => new object[] { k / top, colour }).ToArray();
        if (n == 1) scale = [[0.0, colours[0]], [1.0, colours[0]]];
        return Style.Traces(matrix, new Dictionary<string, object>
        {
            ["z"] = z, ["zmin"] = 0, ["zmax"] = top, ["zmid"] = top / 2, ["colorscale"] = scale, ["reversescale"] = false,
            ["hovertemplate"] = "%{y}, %{x}<extra></extra>",
        });
    }

    /// <summary>
    /// The x axis options of <see cref="Lines"/> and <see cref="Points"/>: <paramref name="ticks"/>,
    /// ticks at exactly these values (on a log axis spanning a decade or two plotly otherwise labels
    /// 2, 3, 5, 100, 2, 3…), labelled <paramref name="tickLabels"/> or else the values written plainly
    /// (32, 1,000, 1.3); <paramref name="range"/>, the part of the axis shown, in data units (the log
    /// is taken here for a log axis).
    /// </summary>
    static GenericChart XAxis(GenericChart chart, bool log, IReadOnlyList<double>? ticks, IReadOnlyList<string>? tickLabels, (double Low, double High)? range)
    {
        if (tickLabels is not null && (ticks is null || ticks.Count != tickLabels.Count))
            throw new ArgumentException($"{tickLabels.Count} tick labels need as many ticks (got {ticks?.Count ?? 0}).", nameof(tickLabels));
        var x = new List<(string, object)>();
        if (log) x.Add(("type", "log"));
        if (ticks is not null)
        {
            x.Add(("tickvals", ticks.ToArray()));
            x.Add(("ticktext", (tickLabels ?? ticks.Select(v => v.ToString("#,0.###", CultureInfo.InvariantCulture)).ToList()).ToArray()));
        }
        if (range is { } r) x.Add(("range", log ? new[] { Math.Log10(r.Low), Math.Log10(r.High) } : new[] { r.Low, r.High }));
        return x.Count == 0 ? chart : Style.Layout(chart, l => Style.Axis(l, "xaxis", Dict(x.ToArray())));
    }

    // Values written above the tallest bars stay visible instead of being cut at the plot's top.
    static GenericChart Unclipped(GenericChart bars) => Style.Traces(bars, new Dictionary<string, object> { ["cliponaxis"] = false });

    static GenericChart Axes(GenericChart chart, string xTitle, string yTitle, bool logY, bool percent) => Style.Layout(chart, l =>
    {
        Style.Axis(l, "xaxis", Dict(("title", Dict(("text", xTitle)))));
        var y = new List<(string, object)> { ("title", Dict(("text", yTitle))), ("gridcolor", "#eee") };
        if (logY) y.Add(("type", "log"));
        Style.Axis(l, "yaxis", Dict(y.ToArray()));
        if (percent) Style.Axis(l, "yaxis", Style.PercentAxis);
        if (GenericChart.getTraces(chart).Count() > 1) Style.LegendBelow(l, bottomMargin: 100);
    });
}
