using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MlpRevival.Notebooks.Execution;

namespace MlpRevival.Grading;

/// <summary>A name a submission declares that changes what an instructor cell calls.</summary>
public sealed record Shadowing(string Name, string SolutionGradeId, IReadOnlyList<string> AffectedGradeIds);

/// <summary>
/// Static checks of a submission's solution cells, before anything runs.
///
/// Shadowing: in a C# script session a later declaration hides an earlier or imported one, so a
/// solution cell that declares <c>class Check</c> (or <c>using Check = …</c>, or re-declares a
/// variable the tests read) would silently change what the locked test cells call. Every name a
/// submission declares at the top level that the instructor's solution does not, and that a
/// locked or test cell uses, makes the cells using it count as failed.
///
/// Flags: APIs an exercise never needs and that reach outside the notebook (process exit,
/// reflection, files, raw handles, native code). They are reported for the instructor to review;
/// they do not change a score by themselves — the sandbox contains what they can do.
/// </summary>
public static class SubmissionCheck
{
    static readonly CSharpParseOptions Script = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    /// <summary>Top-level names a cell declares: types, methods, fields, script variables, using aliases, and using static targets.</summary>
    public static IReadOnlySet<string> DeclaredNames(string source)
    {
        var root = CSharpSyntaxTree.ParseText(MagicCommands.Blank(source), Script).GetCompilationUnitRoot();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var u in root.Usings)
        {
            if (u.Alias is { } alias) names.Add(alias.Name.Identifier.ValueText);
            else if (u.StaticKeyword.IsKind(SyntaxKind.StaticKeyword)) names.Add("using static " + u.NamespaceOrType);
        }
        foreach (var member in root.Members)
        {
            switch (member)
            {
                case BaseTypeDeclarationSyntax type: names.Add(type.Identifier.ValueText); break;
                case DelegateDeclarationSyntax d: names.Add(d.Identifier.ValueText); break;
                case MethodDeclarationSyntax m: names.Add(m.Identifier.ValueText); break;
                case PropertyDeclarationSyntax p: names.Add(p.Identifier.ValueText); break;
                case BaseFieldDeclarationSyntax f: foreach (var v in f.Declaration.Variables) names.Add(v.Identifier.ValueText); break;
                case GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local }:
                    foreach (var v in local.Declaration.Variables) names.Add(v.Identifier.ValueText);
                    break;
                case GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function }:
                    names.Add(function.Identifier.ValueText);
                    break;
                case GlobalStatementSyntax { Statement: ExpressionStatementSyntax expression }:
                    // Deconstructions and out variables declare script variables too.
                    foreach (var d in expression.DescendantNodes().OfType<SingleVariableDesignationSyntax>())
                        if (!d.Ancestors().Any(a => a is LambdaExpressionSyntax or AnonymousMethodExpressionSyntax))
                            names.Add(d.Identifier.ValueText);
                    break;
            }
        }
        return names;
    }

    /// <summary>Every simple name a cell uses (identifiers in expressions and types).</summary>
    public static IReadOnlySet<string> UsedNames(string source)
    {
        var root = CSharpSyntaxTree.ParseText(MagicCommands.Blank(source), Script).GetRoot();
        var names = new HashSet<string>(root.DescendantNodes().OfType<SimpleNameSyntax>().Select(n => n.Identifier.ValueText), StringComparer.Ordinal);
        return names;
    }

    /// <summary>The submission's declarations that shadow a name an instructor cell relies on.</summary>
    public static IReadOnlyList<Shadowing> FindShadowing(
        IEnumerable<(string GradeId, string InstructorSource, string SubmittedSource)> solutions,
        IEnumerable<(string GradeId, string Source)> instructorCells)
    {
        var used = instructorCells.Select(c => (c.GradeId, Names: UsedNames(c.Source))).ToList();
        var findings = new List<Shadowing>();
        foreach (var (gradeId, instructorSource, submittedSource) in solutions)
        {
            var allowed = DeclaredNames(instructorSource);
            foreach (var name in DeclaredNames(submittedSource).Where(n => !allowed.Contains(n)).Order(StringComparer.Ordinal))
            {
                // A new `using static` can bring any member name into scope: it affects every cell after it.
                var affected = name.StartsWith("using static ", StringComparison.Ordinal)
                    ? used.Select(u => u.GradeId).ToList()
                    : used.Where(u => u.Names.Contains(name)).Select(u => u.GradeId).ToList();
                if (affected.Count > 0) findings.Add(new Shadowing(name, gradeId, affected));
            }
        }
        return findings;
    }

    static readonly (string Pattern, string What)[] Reaching =
    [
        ("Environment.Exit", "ends the process (Environment.Exit)"),
        ("Environment.FailFast", "ends the process (Environment.FailFast)"),
        ("System.Reflection", "uses reflection"),
        ("GetField(", "uses reflection"),
        ("GetMethod(", "uses reflection"),
        ("BindingFlags", "uses reflection"),
        ("System.Diagnostics.Process", "starts or controls processes"),
        ("Process.", "starts or controls processes"),
        ("System.IO", "uses files"),
        ("File.", "uses files"),
        ("Directory.", "uses files"),
        ("FileStream", "uses files"),
        ("SafeFileHandle", "uses raw handles"),
        ("OpenStandardInput", "uses the raw standard streams"),
        ("OpenStandardOutput", "uses the raw standard streams"),
        ("Console.SetOut", "replaces the console"),
        ("Console.SetIn", "replaces the console"),
        ("DllImport", "calls native code"),
        ("Marshal.", "calls native code"),
        ("unsafe", "uses unsafe code"),
        ("#r ", "references assemblies"),
        ("AppDomain", "uses AppDomain"),
        ("Assembly.Load", "loads assemblies"),
    ];

    /// <summary>What a solution reaches for that an exercise never needs (for review, not a penalty).</summary>
    public static IReadOnlyList<string> Flags(string submittedSource) =>
        Reaching.Where(r => submittedSource.Contains(r.Pattern, StringComparison.Ordinal))
            .Select(r => r.What).Distinct().ToList();
}
