using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Execution;

/// <summary>A parameter value or profile the notebook cannot take.</summary>
public sealed class ParameterException(string message) : Exception(message);

/// <summary>
/// Papermill-style parameters. A notebook has one code cell tagged "parameters" holding plain
/// assignments (<c>var epochs = 5;</c>). Values given on the command line become a cell tagged
/// "injected-parameters" inserted right after it, re-declaring those variables; each value is typed
/// like the default it replaces (int, long, double, float, bool or string).
///
/// Profiles: a comment line in the parameters cell, <c>// profile quick: epochs = 1; dataDir = "...";</c>,
/// names a set of values (written in C#, so the student reads exactly what a profile sets);
/// <c>--profile quick</c> applies them, and explicit values override them.
/// </summary>
public static partial class Parameters
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    public enum Kind { Int, Long, Double, Float, Bool, String, Other }

    public sealed record Declaration(string Name, Kind Kind, string DefaultText);

    /// <summary>
    /// papermill's <c>parameterize_notebook</c>: a copy of <paramref name="notebook"/> with the
    /// profile's values, overridden by <paramref name="values"/>, in an injected-parameters cell
    /// right after the parameters cell — or an unchanged copy when there is nothing to inject.
    /// `course run` and the grader both parameterise through here.
    /// </summary>
    public static (NotebookDocument Notebook, IReadOnlyDictionary<string, string> Injected) Parameterize(
        NotebookDocument notebook, string? profile, IReadOnlyDictionary<string, string> values)
    {
        var copy = notebook.Clone();
        if (profile is null && values.Count == 0) return (copy, new Dictionary<string, string>());
        var parametersCell = FindParametersCell(copy) ?? throw new ParameterException(
            "Parameters were given but no code cell is tagged 'parameters'. " +
            "Tag the cell that holds the defaults (cell metadata \"tags\": [\"parameters\"]).");
        var resolved = Resolve(parametersCell.Source, profile, values);
        Inject(copy, InjectedSource(parametersCell.Source, resolved, profile));
        return (copy, resolved);
    }

    public static NotebookCell? FindParametersCell(NotebookDocument notebook) =>
        notebook.Cells.FirstOrDefault(c => c.IsCode && c.HasTag(ParametersTag));

    /// <summary>The variables the parameters cell declares, with the type of their default.</summary>
    public static IReadOnlyList<Declaration> Declarations(string parametersSource)
    {
        var tree = CSharpSyntaxTree.ParseText(MagicCommands.Blank(parametersSource),
            new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        return tree.GetRoot().DescendantNodes()
            .OfType<VariableDeclaratorSyntax>()
            .Where(v => v.Initializer is not null && v.Ancestors().OfType<BlockSyntax>().FirstOrDefault() is null)
            .Select(v => new Declaration(v.Identifier.ValueText, KindOf(v.Initializer!.Value), v.Initializer.Value.ToString()))
            .ToList();
    }

    /// <summary>The profiles a parameters cell documents: name → (parameter → value text).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Profiles(string parametersSource)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in ProfileLine().Matches(parametersSource))
        {
            var values = new Dictionary<string, string>();
            var statements = CSharpSyntaxTree.ParseText(match.Groups["values"].Value,
                new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetRoot();
            foreach (var assignment in statements.DescendantNodes().OfType<AssignmentExpressionSyntax>())
            {
                if (assignment.Left is not IdentifierNameSyntax name) continue;
                values[name.Identifier.ValueText] = ValueText(assignment.Right);
            }
            result[match.Groups["name"].Value] = values;
        }
        return result;
    }

    /// <summary>
    /// The values to inject: the profile's (if any) overridden by explicit ones. Errors name the
    /// notebook's parameters and profiles.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Resolve(
        string parametersSource, string? profile, IReadOnlyDictionary<string, string> explicitValues)
    {
        var values = new Dictionary<string, string>();
        if (profile is not null)
        {
            var profiles = Profiles(parametersSource);
            if (!profiles.TryGetValue(profile, out var chosen))
                throw new ParameterException(profiles.Count == 0
                    ? $"--profile {profile}: the parameters cell documents no profiles (lines like // profile {profile}: epochs = 1;)."
                    : $"--profile {profile}: no such profile. This notebook has: {string.Join(", ", profiles.Keys)}.");
            foreach (var (k, v) in chosen) values[k] = v;
        }
        foreach (var (k, v) in explicitValues) values[k] = v;
        return values;
    }

    /// <summary>The source of the injected-parameters cell, each value typed like the default it replaces.</summary>
    public static string InjectedSource(string parametersSource, IReadOnlyDictionary<string, string> values, string? profile)
    {
        var declared = Declarations(parametersSource).GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.Last());
        var text = new StringBuilder(profile is null
            ? "// Parameters injected by course run\n"
            : $"// Parameters injected by course run (profile: {profile})\n");
        foreach (var (name, value) in values)
        {
            if (!declared.TryGetValue(name, out var declaration))
                throw new ParameterException(
                    $"Parameter '{name}' is not declared in the notebook's parameters cell. " +
                    $"It declares: {(declared.Count == 0 ? "(nothing)" : string.Join(", ", declared.Keys))}.");
            text.Append($"var {name} = {Literal(declaration, value)};\n");
        }
        return text.ToString();
    }

    /// <summary>Inserts (or replaces) the injected-parameters cell right after the parameters cell.</summary>
    public static NotebookCell Inject(NotebookDocument notebook, string source)
    {
        var cells = notebook.CellArray;
        for (int i = cells.Count - 1; i >= 0; i--)
            if (new NotebookCell((JsonObject)cells[i]!).HasTag(InjectedTag)) cells.RemoveAt(i);

        var parameters = FindParametersCell(notebook)
            ?? throw new ParameterException("Parameters were given but no code cell is tagged 'parameters'. " +
                                            "Tag the cell that holds the defaults (cell metadata \"tags\": [\"parameters\"]).");
        var index = cells.IndexOf(parameters.Json);
        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = NotebookDocument.NewCellId(notebook.Cells.Select(c => c.Id).ToHashSet()),
            ["metadata"] = new JsonObject
            {
                ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                ["tags"] = new JsonArray(InjectedTag),
            },
            ["outputs"] = new JsonArray(),
            ["source"] = NotebookDocument.ToLines(source),
        };
        cells.Insert(index + 1, cell);
        return new NotebookCell(cell);
    }

    static string Literal(Declaration declaration, string value)
    {
        var kind = declaration.Kind == Kind.Other ? Infer(value) : declaration.Kind;
        var number = value.Replace("_", "");
        string Fail(string type) => throw new ParameterException(
            $"Parameter '{declaration.Name}' takes {type} (its default is {declaration.DefaultText}); '{value}' is not {type}.");
        switch (kind)
        {
            case Kind.Int:
                return int.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i.ToString(CultureInfo.InvariantCulture) : Fail("an int");
            case Kind.Long:
                return long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l.ToString(CultureInfo.InvariantCulture) + "L" : Fail("a long");
            case Kind.Double or Kind.Float:
                if (!double.TryParse(number.TrimEnd('d', 'D', 'f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                    return Fail(kind == Kind.Float ? "a float" : "a double");
                var text = d.ToString("R", CultureInfo.InvariantCulture);
                if (!text.Contains('.') && !text.Contains('E')) text += ".0";
                return kind == Kind.Float ? text + "f" : text;
            case Kind.Bool:
                return bool.TryParse(value, out var b) ? (b ? "true" : "false") : Fail("a bool");
            default:
                return SymbolDisplay.FormatLiteral(value, quote: true);
        }
    }

    static Kind Infer(string value) =>
        bool.TryParse(value, out _) ? Kind.Bool
        : int.TryParse(value.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? Kind.Int
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? Kind.Double
        : Kind.String;

    static Kind KindOf(ExpressionSyntax expression)
    {
        if (expression is PrefixUnaryExpressionSyntax { OperatorToken.ValueText: "-" or "+" } unary) expression = unary.Operand;
        return expression switch
        {
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression or (int)SyntaxKind.FalseLiteralExpression } => Kind.Bool,
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } => Kind.String,
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal => literal.Token.Value switch
            {
                int => Kind.Int,
                long => Kind.Long,
                float => Kind.Float,
                double => Kind.Double,
                _ => Kind.Other,
            },
            _ => Kind.Other,
        };
    }

    // A profile value as the text a --param would carry: string literals unquoted, others verbatim.
    static string ValueText(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } s => s.Token.ValueText,
        _ => expression.ToString(),
    };

    [GeneratedRegex(@"^[ \t]*//[ \t]*profile[ \t]+(?<name>[A-Za-z][\w-]*)[ \t]*:(?<values>.*)$", RegexOptions.Multiline)]
    private static partial Regex ProfileLine();
}
