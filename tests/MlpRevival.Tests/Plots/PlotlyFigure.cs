using System.Text.Json.Nodes;
using Plotly.NET;

namespace MlpRevival.Tests.Plots;

/// <summary>A chart's plotly.js figure as Plotly.NET itself writes it, and its arrays as numbers or strings.</summary>
static class PlotlyFigure
{
    public static JsonNode Figure(GenericChart chart) => JsonNode.Parse(GenericChart.toFigureJson(chart))!;

    public static double[] Numbers(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    public static string[] Texts(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
}
