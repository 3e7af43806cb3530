using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;
using Microsoft.FSharp.Core;
using MlpRevival.Display;
using MlpRevival.Plots;
using Plotly.NET;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Lessons;

/// <summary>
/// Helpers for notebook 03-mixer-token-channel-mixing: small S×C tables as heatmaps, several charts
/// in one row, and the patch shuffle and token permutation the position-embedding demonstration uses.
/// </summary>
public static class MixerLesson
{
    /// <summary>
    /// A small table as a heatmap, rows and columns labelled "token 0…", "ch 0…" (or whatever
    /// <paramref name="rowName"/>, <paramref name="columnName"/> say) — the paper's S×C table read as printed.
    /// </summary>
    public static GenericChart Heatmap(Tensor table, string title, string rowName = "token", string columnName = "ch",
        string format = "0.00", int cellSize = 46)
    {
        var values = Charts.Values(table);
        var rows = Enumerable.Range(0, values.GetLength(0)).Select(i => $"{rowName} {i}").ToList();
        var cols = Enumerable.Range(0, values.GetLength(1)).Select(j => $"{columnName} {j}").ToList();
        return Charts.Matrix(values, rows, cols, title, format, cellSize);
    }

    /// <summary>
    /// Several charts next to each other (wrapping onto further rows when the page is too narrow), as
    /// one HTML output: the steps of a computation read left to right.
    /// </summary>
    public static HtmlString SideBySide(params GenericChart[] charts)
    {
        var html = new StringBuilder("<div style=\"display:flex;flex-wrap:wrap;gap:4px;align-items:flex-start\">");
        foreach (var chart in charts)
        {
            var width = GenericChart.getLayout(chart).TryGetPropertyValue("width");
            string w = FSharpOption<object>.get_IsSome(width) && width.Value is int px
                ? px.ToString(CultureInfo.InvariantCulture) + "px" : "100%";
            html.Append($"<div style=\"flex:0 0 auto;width:{w}\">").Append(ChartHtml.Render(chart)).Append("</div>");
        }
        return new HtmlString(html.Append("</div>").ToString());
    }

    /// <summary>The legend in a column to the right of the plot, for charts with many one-point series.</summary>
    public static GenericChart LegendRight(GenericChart chart) =>
        Style.Layout(chart, l => l.SetProperty("legend", new Dictionary<string, object>
        {
            ["orientation"] = "v", ["x"] = 1.02, ["xanchor"] = "left", ["y"] = 1, ["yanchor"] = "top",
        }));

    /// <summary>Ticks on the x axis at <paramref name="values"/> with the given labels (a log axis otherwise labels 2, 5, 10…).</summary>
    public static GenericChart WithXTicks(GenericChart chart, IReadOnlyList<double> values, IReadOnlyList<string> labels)
    {
        if (values.Count != labels.Count) throw new ArgumentException($"{values.Count} ticks but {labels.Count} labels.", nameof(labels));
        return Style.Layout(chart, l => Style.Axis(l, "xaxis", new Dictionary<string, object>
        {
            ["tickvals"] = values.ToArray(), ["ticktext"] = labels.ToArray(),
        }));
    }

    /// <summary>
    /// One labelled point per entry — a scatter of quoted results where every point is a different
    /// model: a marker in the entry's colour and its label written next to it (plotly text positions
    /// such as "top center", "middle right"), no legend.
    /// </summary>
    public static GenericChart Points(IEnumerable<(string Label, double X, double Y, string Colour, string TextPosition)> points,
        string title, string xTitle, string yTitle, bool logX = false)
    {
        var list = points.ToList();
        var chart = Charts.Lines(list.Select(p => new Series(p.Label, [p.X], [p.Y])), title, xTitle, yTitle, logX: logX);
        var traces = GenericChart.getTraces(chart).ToList();
        for (int i = 0; i < traces.Count; i++)
        {
            var p = list[i];
            traces[i].SetProperty("mode", "markers+text");
            traces[i].SetProperty("text", new[] { p.Label });
            traces[i].SetProperty("textposition", p.TextPosition);
            traces[i].SetProperty("textfont", new Dictionary<string, object> { ["size"] = 12, ["color"] = "#333" });
            traces[i].SetProperty("marker", new Dictionary<string, object> { ["size"] = 11, ["color"] = p.Colour });
            traces[i].SetProperty("showlegend", false);
            traces[i].SetProperty("cliponaxis", false);
            traces[i].SetProperty("hovertemplate", $"{p.Label}: %{{x}}, %{{y}}<extra></extra>");
        }
        return chart;
    }

    /// <summary>The x axis limited to [<paramref name="low"/>, <paramref name="high"/>] (for a log axis, in data units: the log is taken here).</summary>
    public static GenericChart WithXRange(GenericChart chart, double low, double high, bool log) =>
        Style.Layout(chart, l => Style.Axis(l, "xaxis", new Dictionary<string, object>
        {
            ["range"] = log ? new[] { Math.Log10(low), Math.Log10(high) } : new[] { low, high },
        }));

    /// <summary>
    /// Bars of <see cref="Charts.GroupedBars"/> stacked instead of side by side, each value written inside
    /// its segment (hidden where the segment is too thin to hold it).
    /// </summary>
    public static GenericChart Stacked(GenericChart bars) =>
        Style.Traces(Style.Layout(bars, l =>
        {
            l.SetProperty("barmode", "stack");
            l.SetProperty("uniformtext", new Dictionary<string, object> { ["minsize"] = 10, ["mode"] = "hide" });
        }), new Dictionary<string, object> { ["textposition"] = "inside", ["insidetextanchor"] = "middle" });

    /// <summary>A fixed pseudo-random permutation of 0…n−1 from <paramref name="seed"/> (System.Random: the same on every machine and run).</summary>
    public static long[] Permutation(int n, int seed)
    {
        var p = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        new Random(seed).Shuffle(p);
        return p;
    }

    /// <summary>The rows of a token table [B, S, C] reordered: output token j is input token perm[j] (ΠX).</summary>
    public static Tensor PermuteTokens(Tensor tokens, long[] perm)
    {
        CheckPermutation(perm, tokens.shape[1], "tokens");
        using var index = tensor(perm, device: tokens.device);
        return tokens.index_select(1, index);
    }

    /// <summary>
    /// Images [B, C, H, W] with their p×p patches reordered, the pixels inside each patch kept: output
    /// patch j (row-major grid order, the order the patch embedding numbers its tokens) is input patch
    /// perm[j]. So the stem's token table of the shuffled image is the original table with its rows
    /// permuted the same way.
    /// </summary>
    public static Tensor ShufflePatches(Tensor images, int patch, long[] perm)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (patch <= 0 || h % patch != 0 || w % patch != 0)
            throw new ArgumentException($"patch size {patch} must divide the image size {h}×{w}.", nameof(patch));
        long gh = h / patch, gw = w / patch;
        CheckPermutation(perm, gh * gw, "patches");
        using var scope = NewDisposeScope();
        var grid = images.reshape(b, c, gh, patch, gw, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, gh * gw, patch, patch);
        var shuffled = grid.index_select(2, tensor(perm, device: images.device));
        return shuffled.reshape(b, c, gh, gw, patch, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>The largest |a − b| over all entries.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.ToDouble();
    }

    static void CheckPermutation(long[] perm, long size, string what)
    {
        if (perm.Length != size) throw new ArgumentException($"the permutation has {perm.Length} entries for {size} {what}.", nameof(perm));
        var seen = new bool[size];
        foreach (var i in perm)
        {
            if (i < 0 || i >= size || seen[i]) throw new ArgumentException($"not a permutation of 0…{size - 1} (entry {i}).", nameof(perm));
            seen[i] = true;
        }
    }
}
