using System.Globalization;
using Microsoft.FSharp.Core;
using MlpRevival.Plots;
using Plotly.NET;

namespace MlpRevival.Lessons;

/// <summary>
/// Chart touches for notebook 01-flatten-mlp-cost that the shared <see cref="Charts"/> do not offer.
/// Each takes a chart made by <see cref="Charts"/> and changes one thing, keeping the course's look.
/// </summary>
public static class FlattenMlpCost
{
    /// <summary>
    /// Ticks on the x axis at exactly <paramref name="values"/>, labelled as plain integers — on a log
    /// axis spanning one or two decades, plotly otherwise labels 2, 3, 5, 100, 2, 3….
    /// </summary>
    public static GenericChart WithXTicks(GenericChart chart, IReadOnlyList<double> values) =>
        Style.Layout(chart, l => Style.Axis(l, "xaxis", new Dictionary<string, object>
        {
            ["tickvals"] = values.ToArray(),
            ["ticktext"] = values.Select(v => v.ToString("0", CultureInfo.InvariantCulture)).ToArray(),
        }));

    /// <summary>Draws the series called <paramref name="name"/> dotted and wider, so that a line lying on top of another stays visible.</summary>
    public static GenericChart Dotted(GenericChart chart, string name)
    {
        int found = 0;
        foreach (var trace in GenericChart.getTraces(chart))
        {
            var traceName = trace.TryGetPropertyValue("name");
            if (!FSharpOption<object>.get_IsSome(traceName) || traceName.Value as string != name) continue;
            var existing = trace.TryGetPropertyValue("line");
            var line = FSharpOption<object>.get_IsSome(existing) && existing.Value is DynamicObj.DynamicObj d ? d : new DynamicObj.DynamicObj();
            line.SetProperty("dash", "dot");
            line.SetProperty("width", 4);
            trace.SetProperty("line", line);
            found++;
        }
        if (found == 0) throw new ArgumentException($"the chart has no series called '{name}'.", nameof(name));
        return chart;
    }

    /// <summary>
    /// Recolours the cells of a <see cref="Charts.Matrix"/> chart by category — cell (i, j) gets
    /// <c>colours[category[i, j]]</c> — keeping the numbers written in the cells.
    /// </summary>
    public static GenericChart ColourCells(GenericChart matrix, int[,] category, IReadOnlyList<string> colours)
    {
        int rows = category.GetLength(0), cols = category.GetLength(1), n = colours.Count;
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
}
