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
        l.SetProperty("width", width);
        l.SetProperty("height", height);
        l.SetProperty("font", new Dictionary<string, object> { ["family"] = "system-ui, -apple-system, Segoe UI, sans-serif", ["size"] = 13 });
        l.SetProperty("plot_bgcolor", "white");
        l.SetProperty("paper_bgcolor", "white");
        l.SetProperty("margin", new Dictionary<string, object> { ["l"] = 60, ["r"] = 20, ["t"] = title is null ? 30 : 60, ["b"] = 50 });
        if (title is not null) l.SetProperty("title", new Dictionary<string, object> { ["text"] = title, ["x"] = 0.02, ["xanchor"] = "left" });
    });

    /// <summary>
    /// The widest a chart may be: a cell's output area in the exported page (HtmlExporter: a 1100 px
    /// page less its padding and prompt column) and about what VS Code gives an output.
    /// </summary>
    public const int FullWidth = 940;

    /// <summary>Tableau-10-like colours, one per run or model.</summary>
    public static readonly string[] Palette =
        ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac"];
}
