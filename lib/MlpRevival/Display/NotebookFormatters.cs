using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace MlpRevival.Display;

/// <summary>
/// How the course's values render in a notebook: HTML formatters registered with
/// Microsoft.DotNet.Interactive.Formatting's <see cref="Formatter"/>, the library the kernel
/// formats every displayed value with. In the kernel this library binds to the kernel's copy of
/// that assembly, so the registrations are the kernel's.
///
/// Charts: our own fragment (<see cref="ChartHtml"/>), not Plotly.NET.Interactive's formatter.
/// Measured in the course kernel, Plotly.NET's <c>GenericChart.toChartHTML</c> (which that
/// formatter calls) takes about 250 ms per small chart after a 1.2 s first call, ours under 10 ms;
/// and its output loads require.js and plotly.js from two CDNs, so it never draws offline, while
/// ours draws with the page's plotly.js (the exported HTML embeds it). DataFrames: ours too —
/// Microsoft.Data.Analysis's own formatter is a kernel extension that the kernel loads only for a
/// <c>#r "nuget: …"</c> reference, not for a library referenced by path.
///
/// Registration happens once, when any type of this library is first used (module initializer),
/// and again explicitly from <see cref="Course.Setup"/>.
/// </summary>
public static class NotebookFormatters
{
    static int registered;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255",
        Justification = "A notebook may display a chart before it calls any registration method.")]
    internal static void RegisterOnLoad() => Register();

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml.Render(chart)), HtmlFormatter.MimeType);
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(TableHtml.Render(frame)), HtmlFormatter.MimeType);
        Formatter.Register<EnvironmentReport>((report, writer) => writer.Write(TableHtml.Render(report.Rows())), HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(GenericChart), HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(EnvironmentReport), HtmlFormatter.MimeType);
    }
}
