using DynamicObj;
using Microsoft.FSharp.Core;
using Plotly.NET;

namespace MlpRevival.Plots;

/// <summary>
/// Layout edits without Plotly.NET's F# optional-argument builders: a chart's layout and traces are
/// dynamic objects whose properties are plotly.js attribute names, so we set those directly.
/// </summary>
internal static class Style
{
    public static GenericChart Layout(GenericChart chart, Action<Layout> edit)
    {
        var layout = GenericChart.getLayout(chart);
        edit(layout);
        return GenericChart.setLayout(layout, chart);
    }

    /// <summary>Sets attributes on an axis ("xaxis", "yaxis2", …), creating it if the layout has none yet.</summary>
    public static void Axis(Layout layout, string name, IReadOnlyDictionary<string, object> attributes)
    {
        var existing = layout.TryGetPropertyValue(name);
        DynamicObj.DynamicObj axis = FSharpOption<object>.get_IsSome(existing) && existing.Value is DynamicObj.DynamicObj d ? d : new Plotly.NET.LayoutObjects.LinearAxis();
        foreach (var (key, value) in attributes) axis.SetProperty(key, value);
        layout.SetProperty(name, axis);
    }

    /// <summary>Sets attributes on every trace of the chart.</summary>
    public static GenericChart Traces(GenericChart chart, IReadOnlyDictionary<string, object> attributes)
    {
        foreach (var trace in GenericChart.getTraces(chart))
            foreach (var (key, value) in attributes) trace.SetProperty(key, value);
        return chart;
    }

    /// <summary>
    /// Writes <paramref name="text"/>[row][column] in the heatmap's cells. plotly.js colours cell
    /// text for contrast with each cell ("auto"), so numbers stay readable on the dark ends of a scale
    /// — which annotations in one fixed colour are not.
    /// </summary>
    public static GenericChart WithCellText(GenericChart heatmap, string[][] text) =>
        Traces(heatmap, new Dictionary<string, object>
        {
            ["text"] = text,
            ["texttemplate"] = "%{text}",
            ["textfont"] = new Dictionary<string, object> { ["size"] = 12 },
        });

    /// <summary>Shared look: readable font, white background, margins that fit a ~1000 px page.</summary>
    public static GenericChart Page(GenericChart chart, int width, int height, string? title = null) => Layout(chart, l =>
    {
        if (title is not null) Title(l, title);
        l.SetProperty("width", width);
        l.SetProperty("height", height + (title is null ? 0 : ToolbarBand));
        l.SetProperty("font", new Dictionary<string, object> { ["family"] = "system-ui, -apple-system, Segoe UI, sans-serif", ["size"] = 13 });
        l.SetProperty("plot_bgcolor", "white");
        l.SetProperty("paper_bgcolor", "white");
        Margin(l, 60, 20, title is null ? 30 : 60, 50);
    });

    /// <summary>
    /// Room above a title for plotly's toolbar (the modebar: about 26 px at the top right, shown on
    /// hover), so that the toolbar never covers a title however long it is.
    /// </summary>
    public const int ToolbarBand = 28;

    /// <summary>
    /// The chart width a title needs: plotly draws titles at about 1.4 times the 13 px font, about
    /// 8.5 px per character, and never wraps or shrinks them.
    /// </summary>
    public static int TitleWidth(string title) => 9 * title.Length + 40;

    /// <summary>A left-aligned title just below the toolbar band.</summary>
    public static void Title(Layout layout, string title) => layout.SetProperty("title", new Dictionary<string, object>
    {
        ["text"] = title, ["x"] = 0.02, ["xanchor"] = "left",
        ["yref"] = "container", ["y"] = 1, ["yanchor"] = "top", ["pad"] = new Dictionary<string, object> { ["t"] = ToolbarBand },
    });

    /// <summary>Margins in pixels; a titled chart's top margin gets the toolbar band on top of <paramref name="top"/>.</summary>
    public static void Margin(Layout layout, int left, int right, int top, int bottom)
    {
        bool titled = FSharpOption<object>.get_IsSome(layout.TryGetPropertyValue("title"));
        layout.SetProperty("margin", new Dictionary<string, object> { ["l"] = left, ["r"] = right, ["t"] = top + (titled ? ToolbarBand : 0), ["b"] = bottom });
    }

    /// <summary>
    /// A legend in rows at the very bottom of the chart (container coordinates: it cannot slide over
    /// the x axis title, whatever the plot's height); leave it room with the bottom margin.
    /// </summary>
    public static void LegendBelow(Layout layout, int? bottomMargin = null)
    {
        if (bottomMargin is { } bottom && layout.TryGetPropertyValue("margin") is { } m && FSharpOption<object>.get_IsSome(m) && m.Value is Dictionary<string, object> margin)
            margin["b"] = Math.Max(bottom, Convert.ToInt32(margin["b"]));
        layout.SetProperty("legend", new Dictionary<string, object> { ["orientation"] = "h", ["yref"] = "container", ["y"] = 0, ["yanchor"] = "bottom", ["x"] = 0 });
    }

    /// <summary>
    /// Axis attributes for shares shown as percentages: ticks with as many decimals as they need
    /// (d3's "~%": 10 %, 10.5 %, 11 % — a fixed ".0%" writes 10 %, 10 %, 11 % on a narrow range),
    /// hover with one decimal.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, object> PercentAxis = new Dictionary<string, object> { ["tickformat"] = "~%", ["hoverformat"] = ".1%" };

    /// <summary>
    /// The widest a chart may be: a cell's output area in the exported page (HtmlExporter: a 1100 px
    /// page less its padding and prompt column) and about what VS Code gives an output.
    /// </summary>
    public const int FullWidth = 940;

    /// <summary>Tableau-10-like colours, one per run or model.</summary>
    public static readonly string[] Palette =
        ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac"];
}
