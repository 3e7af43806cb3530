using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace MlpRevival.Notebook;

/// <summary>
/// How the course's values render in a notebook, in VS Code Polyglot Notebooks and in our runner alike.
///
/// The mechanism: register HTML formatters with Microsoft.DotNet.Interactive.Formatting's
/// <see cref="Formatter"/>, the library the C# kernel itself formats every displayed value with.
/// In VS Code the kernel has already loaded that assembly (same name, version 1.0.0.0), so this
/// library binds to the kernel's copy and the registrations take effect there; our runner formats
/// through the same library. Nothing here needs the kernel packages (absent from our feed), and
/// <see cref="Formatter.Register{T}(Action{T, TextWriter}, string)"/> is the long-standing public API.
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

    /// <summary>For tests and runners that reset the formatter between notebooks.</summary>
    public static void ReRegister()
    {
        Interlocked.Exchange(ref registered, 0);
        Register();
    }
}
