using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive.Formatting;
using MlpRevival.Data;
using MlpRevival.Display;

namespace MlpRevival.Training;

/// <summary>
/// How runs, evaluations and image sets display in a notebook: a short summary and tables, instead
/// of the default property dump (which would print every step loss, or every pixel of a tensor).
/// Registered when the library loads, through the same formatter the course's charts use.
/// </summary>
internal static class TrainingFormatters
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255",
        Justification = "A notebook may display a result before it calls any registration method.")]
    internal static void Register()
    {
        Formatter.Register<TrainResult>((r, w) => w.Write(Render(r)), HtmlFormatter.MimeType);
        Formatter.Register<EvalResult>((e, w) => w.Write(Render(e)), HtmlFormatter.MimeType);
        Formatter.Register<ImageSet>((s, w) => w.Write($"<div>{WebUtility.HtmlEncode(s.ToString())}</div>"), HtmlFormatter.MimeType);
        foreach (var type in new[] { typeof(TrainResult), typeof(EvalResult), typeof(ImageSet) })
            Formatter.SetPreferredMimeTypesFor(type, HtmlFormatter.MimeType);
    }

    static string Render(TrainResult r)
    {
        var color = r.Completed ? "inherit" : "#c0392b";
        return $"<div class=\"mlpr-run\"><div style=\"color:{color};margin:2px 0\"><b>{WebUtility.HtmlEncode(r.Name)}</b>: {WebUtility.HtmlEncode(r.Message)}</div>" +
               TableHtml.Render(r.History) + "</div>";
    }

    static string Render(EvalResult e) =>
        $"<div class=\"mlpr-eval\"><div>{WebUtility.HtmlEncode(e.ToString())}</div>" +
        "<div style=\"display:flex;gap:24px;align-items:flex-start\">" + TableHtml.Render(e.TopKTable()) + TableHtml.Render(e.PerClassTable()) + "</div></div>";
}
