using System.Text;
using System.Text.RegularExpressions;

namespace MlpRevival.Notebooks.Execution;

/// <summary>A #r "nuget: Name, Version" request.</summary>
public sealed record PackageRequest(string Name, string? Version, int Line);

/// <summary>A cell's directives, separated from its C# code.</summary>
public sealed record PreparedCell(
    string Code,
    bool Time,
    IReadOnlyList<PackageRequest> Packages,
    IReadOnlyList<string> PackageSources,
    IReadOnlyList<(string Path, int Line)> Imports);

/// <summary>A directive or magic command the runner cannot honour.</summary>
public sealed class DirectiveException(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}

/// <summary>
/// Splits the kernel's directives out of a cell, as the C# kernel does before it compiles:
/// magic commands (#!csharp, #!time, #!import), #r "nuget:..." (hoisted and resolved before the
/// cell runs) and #i "nuget:..." are removed. Their lines are blanked, not deleted, so compiler
/// and runtime line numbers still match the cell. #r "file.dll" and #load stay: Roslyn scripting
/// handles them, relative to the notebook's folder.
/// </summary>
public static partial class Directives
{
    static readonly string[] SupportedMagics = ["#!csharp", "#!c#", "#!time", "#!import"];

    public static PreparedCell Prepare(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var code = new StringBuilder();
        bool time = false;
        var packages = new List<PackageRequest>();
        var sources = new List<string>();
        var imports = new List<(string, int)>();

        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            var lineNumber = i + 1;
            bool directive = true;

            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                var word = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
                switch (word.ToLowerInvariant())
                {
                    case "#!csharp" or "#!c#":
                        break;
                    case "#!time":
                        time = true;
                        break;
                    case "#!import":
                        var argument = trimmed[word.Length..].Trim().Trim('"');
                        if (argument.Length == 0) throw new DirectiveException(lineNumber, "#!import needs a file: #!import \"helpers.csx\"");
                        imports.Add((argument, lineNumber));
                        break;
                    case "#!fsharp" or "#!f#" or "#!pwsh" or "#!powershell" or "#!javascript" or "#!js" or "#!html"
                        or "#!markdown" or "#!sql" or "#!kql" or "#!mermaid" or "#!http" or "#!value":
                        throw new DirectiveException(lineNumber,
                            $"'{word}' switches to another kernel; the course runner executes C# only. " +
                            "Write this cell in C# (display(HTML(...)) for HTML, a markdown cell for text).");
                    default:
                        throw new DirectiveException(lineNumber,
                            $"Unknown magic command '{word}'. The course runner supports {string.Join(", ", SupportedMagics)}.");
                }
            }
            else if (NugetReference().Match(trimmed) is { Success: true } nuget)
            {
                packages.Add(ParsePackage(nuget.Groups["spec"].Value, lineNumber));
            }
            else if (PackageSource().Match(trimmed) is { Success: true } include)
            {
                var location = include.Groups["source"].Value.Trim();
                bool isUrl = Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file";
                if (!isUrl && !Path.IsPathRooted(location))
                    throw new DirectiveException(lineNumber,
                        $"#i \"nuget: {location}\": a local package source must be an absolute path (as in Polyglot Notebooks).");
                sources.Add(location);
            }
            else
            {
                directive = false;
            }

            code.Append(directive ? "" : line);
            if (i < lines.Length - 1) code.Append('\n');
        }
        return new PreparedCell(code.ToString(), time, packages, sources, imports);
    }

    static PackageRequest ParsePackage(string spec, int line)
    {
        var parts = spec.Split(',', 2);
        var name = parts[0].Trim();
        var version = parts.Length > 1 ? parts[1].Trim() : null;
        if (name.Length == 0) throw new DirectiveException(line, "#r \"nuget: ...\" names no package.");
        return new PackageRequest(name, string.IsNullOrEmpty(version) ? null : version, line);
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<spec>[^"]*)"\s*$""", RegexOptions.IgnoreCase)]
    private static partial Regex NugetReference();

    [GeneratedRegex("""^#i\s+"nuget:\s*(?<source>[^"]*)"\s*$""", RegexOptions.IgnoreCase)]
    private static partial Regex PackageSource();
}
