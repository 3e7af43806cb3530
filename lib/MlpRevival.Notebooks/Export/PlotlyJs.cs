using System.Text;
using Plotly.NET;

namespace MlpRevival.Notebooks.Export;

/// <summary>
/// plotly.js for exported pages: the copy Plotly.NET embeds as a resource — the version its charts
/// are written for — so a page draws its charts with no network. An asset of the exporter: the
/// export needs Plotly.NET's resource, not the course library (nor libtorch behind it).
/// </summary>
public static class PlotlyJs
{
    /// <summary>The CSS class of the course's chart fragments (the library's ChartHtml writes it; a test keeps the two equal).</summary>
    public const string ChartMarker = "mlpr-chart";

    public static string Version => Globals.PLOTLYJS_VERSION;

    static readonly Lazy<string> script = new(() =>
    {
        var assembly = typeof(GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames()
            .Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    /// <summary>plotly.min.js, as Plotly.NET embeds it.</summary>
    public static string Script() => script.Value;
}
