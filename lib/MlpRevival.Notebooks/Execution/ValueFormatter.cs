using Microsoft.DotNet.Interactive.Formatting;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// Formats a displayed value into a MIME bundle through Microsoft.DotNet.Interactive.Formatting, with
/// the C# kernel's defaults: text/html for objects, text/plain for strings, registered formatters
/// (ours for charts and DataFrames, TorchSharp's for tensors) first.
/// </summary>
public static class ValueFormatter
{
    static int configured;

    public static void ConfigureKernelDefaults()
    {
        if (Interlocked.Exchange(ref configured, 1) == 1) return;
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
    }

    public static IReadOnlyDictionary<string, string> Format(object? value, string[]? mimeTypes)
    {
        ConfigureKernelDefaults();
        if (value is null) return new Dictionary<string, string> { [PlainTextFormatter.MimeType] = Formatter.NullString };
        IEnumerable<string> mimes = mimeTypes is { Length: > 0 } ? mimeTypes : Formatter.GetPreferredMimeTypesFor(value.GetType());
        var bundle = new Dictionary<string, string>();
        foreach (var mime in mimes.Distinct())
            bundle[mime] = Formatter.ToDisplayString(value, mime);
        if (bundle.Count == 0) bundle[Formatter.DefaultMimeType] = Formatter.ToDisplayString(value, Formatter.DefaultMimeType);
        return bundle;
    }
}
