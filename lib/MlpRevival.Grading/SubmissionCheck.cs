using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MlpRevival.Notebooks.Execution;

namespace MlpRevival.Grading;

/// <summary>
/// Something in a submission's solution cell that makes the tests after it untrustworthy: a name
/// it declares that changes what an instructor cell calls, or a route by which code can forge a
/// result. The affected tests score 0, with <see cref="Why"/> as the reason.
/// </summary>
public sealed record Shadowing(string Name, string SolutionGradeId, IReadOnlyList<string> AffectedGradeIds, string Why = Shadowing.HidesName)
{
    public const string HidesName = "hides a name the tests use";
}

/// <summary>One use, in a solution cell, of an API that reaches outside the cell's job.</summary>
public sealed record Reach(string GradeId, int Line, string Symbol, string What, bool Forging)
{
    public override string ToString() => $"line {Line}: {Symbol} — {What}";
}

/// <summary>
/// Static checks of a submission's solution cells, before anything runs.
///
/// Shadowing: in a C# script session a later declaration hides an earlier or imported one, so a
/// solution cell that declares <c>class Check</c> (or <c>using Check = …</c>, or re-declares a
/// variable the tests read) would silently change what the locked test cells call. Every name a
/// submission declares at the top level that the instructor's solution does not, and that a
/// locked or test cell uses, makes the cells using it count as failed.
///
/// Reaching (<see cref="Reaching"/>): APIs an exercise never needs and that reach outside the
/// cell's job, found by symbol. Each use is flagged in the gradebook and the feedback; a use that
/// can forge a result (the raw protocol stream, console redirection, the kernel's internals,
/// reflection, native code, threads or timers that outlive the cell, child processes, kernel
/// directives) scores the tests after it 0. The others (files, network, Environment.Exit) are for
/// review only: the sandbox contains what they can do.
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

    /// <summary>
    /// What the solution cells reach for, found with Roslyn's semantic model (symbols, not text:
    /// <c>Marshal .Copy</c>, <c>global::System.Console</c> or a <c>using</c> alias resolve like any
    /// other reference). The cells are compiled as the kernel compiles them — one script
    /// submission per code cell, in order, after the kernel's own <c>using static
    /// Microsoft.DotNet.Interactive.Kernel;</c> — against the assemblies this program runs with
    /// (the framework, the course library, TorchSharp, the kernel packages).
    /// <paramref name="cells"/> are every code cell of the notebook to grade; the grade id is set
    /// on solution cells, which are the ones checked.
    /// </summary>
    public static IReadOnlyList<Reach> Reaching(IReadOnlyList<(string Source, string? SolutionGradeId)> cells)
    {
        var found = new List<Reach>();
        var previous = CSharpCompilation.CreateScriptCompilation("Submission0",
            CSharpSyntaxTree.ParseText("using static Microsoft.DotNet.Interactive.Kernel;", Script), References.Value, CompilationOptions);
        int n = 0;
        foreach (var (source, gradeId) in cells)
        {
            n++;
            var tree = CSharpSyntaxTree.ParseText(Directives(source), Script);
            var compilation = CSharpCompilation.CreateScriptCompilation($"Submission{n}", tree, References.Value, CompilationOptions, previous);
            previous = compilation;
            if (gradeId is null) continue;

            foreach (var (line, text) in MagicLines(source))
                found.Add(new Reach(gradeId, line, text, "a kernel directive in a solution cell (references, imports or magic commands)", Forging: true));
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodesAndTokens())
            {
                if (node.IsToken)
                {
                    if (node.AsToken().IsKind(SyntaxKind.UnsafeKeyword))
                        found.Add(new Reach(gradeId, Line(node.AsToken().GetLocation()), "unsafe", "raw memory (unsafe code)", Forging: true));
                    continue;
                }
                if (node.AsNode() is not (SimpleNameSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax) || node.AsNode() is not { } syntax) continue;
                var info = model.GetSymbolInfo(syntax);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                if (symbol is null || Classify(symbol) is not { } what) continue;
                found.Add(new Reach(gradeId, Line(syntax.GetLocation()), Describe(symbol), what.What, what.Forging));
            }
        }
        // One finding per cell, line and kind: the most specific symbol (Marshal.AllocHGlobal over Marshal).
        return found.GroupBy(r => (r.GradeId, r.Line, r.What))
            .Select(g => g.OrderByDescending(r => r.Symbol.Length).First()).ToList();
    }

    /// <summary>
    /// Whether a symbol reaches outside a cell's job, and whether it is a way to forge a result
    /// (in the kernel's process: write the protocol stream, take its input, reach into the kernel
    /// or the course's internals, or keep running after the cell).
    /// </summary>
    static (string What, bool Forging)? Classify(ISymbol symbol)
    {
        if (symbol is INamespaceSymbol or IParameterSymbol or ILocalSymbol or ILabelSymbol or IRangeVariableSymbol) return null;
        var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        if (type is null) return null;
        var typeName = type.OriginalDefinition.ToDisplayString();
        var ns = type.ContainingNamespace?.ToDisplayString() ?? "";
        var name = symbol.Name;
        bool In(string space) => ns == space || ns.StartsWith(space + ".", StringComparison.Ordinal);

        if (typeName == "System.Console")
            return name switch
            {
                "OpenStandardOutput" or "OpenStandardInput" or "OpenStandardError" => ("the raw standard streams (the kernel's protocol channel)", true),
                "SetOut" or "SetIn" or "SetError" or "In" or "Read" or "ReadLine" or "ReadKey" => ("redirects or reads the console", true),
                _ => null,
            };
        if (In("Microsoft.DotNet.Interactive"))
            return typeName == "Microsoft.DotNet.Interactive.Kernel" && name is "display" or "HTML" or "CSS" or "Javascript"
                   || In("Microsoft.DotNet.Interactive.Formatting") && name is "Display" or "DisplayAs" or "Update"
                ? null
                : ("reaches into the kernel", true);
        // What can run code or read state it could not otherwise reach: methods and constructors.
        // Reading a type's name (e.GetType().Name) or naming a type is not a way in.
        var acts = symbol is IMethodSymbol;
        if (acts && (In("System.Reflection") || In("System.Runtime.Loader") || typeName is "System.Activator" or "System.AppDomain"
            || typeName == "System.Type" && name is "GetType" or "GetMethod" or "GetMethods" or "GetField" or "GetFields" or "GetProperty"
                or "GetProperties" or "GetMember" or "GetMembers" or "InvokeMember" or "GetConstructor" or "GetConstructors" or "GetNestedType"
                or "GetNestedTypes" or "GetEvent" or "GetEvents" or "GetInterface"))
            return name is "ToString" or "GetHashCode" or "Equals" or "GetType" && typeName != "System.Type" ? null : ("reflection", true);
        if (In("System.Runtime.InteropServices") || typeName is "System.Runtime.CompilerServices.Unsafe")
            return ("native code or raw memory", true);
        if (acts && (typeName is "System.Threading.Thread" && name is ".ctor" or "Start" or "UnsafeStart"
                     || typeName is "System.Threading.Timer" or "System.Timers.Timer" or "System.Threading.PeriodicTimer" && name is ".ctor"
                     || typeName is "System.Threading.ThreadPool" && name.Contains("Queue", StringComparison.Ordinal) || name == "RegisterWaitForSingleObject" && typeName == "System.Threading.ThreadPool"
                     || typeName is "System.Threading.Tasks.TaskFactory" or "System.Threading.Tasks.TaskFactory<TResult>" && name.StartsWith("StartNew", StringComparison.Ordinal)
                     || typeName is "System.Threading.Tasks.Task" && name is "Run"))
            return ("threads, tasks or timers that can outlive the cell", true);
        if (acts && typeName is "System.Diagnostics.Process" && name is "Start" or ".ctor" or "Kill" or "GetProcessById" or "GetProcesses" or "GetProcessesByName"
            || acts && typeName is "System.Diagnostics.ProcessStartInfo" && name is ".ctor")
            return ("starts or controls processes (a child shares the kernel's protocol stream)", true);
        if (typeName == "System.Environment" && name is "Exit" or "FailFast")
            return ("ends the kernel process", false);
        if (In("System.Net"))
            return ("the network", false);
        if (In("System.IO") && typeName is "System.IO.File" or "System.IO.Directory" or "System.IO.FileInfo" or "System.IO.DirectoryInfo"
                or "System.IO.FileStream" or "System.IO.FileSystemWatcher" or "System.IO.RandomAccess" or "System.IO.FileSystemInfo"
                || In("System.IO.MemoryMappedFiles") || In("System.IO.Pipes"))
            return ("files outside the notebook's data (the sandbox keeps them read-only or out of reach)", false);
        return null;
    }

    static string Describe(ISymbol symbol) => symbol switch
    {
        INamedTypeSymbol type => type.ToDisplayString(),
        IMethodSymbol { MethodKind: MethodKind.Constructor } ctor => "new " + ctor.ContainingType.ToDisplayString(),
        _ => $"{symbol.ContainingType?.ToDisplayString()}.{symbol.Name}",
    };

    static int Line(Location location) => location.GetLineSpan().StartLinePosition.Line + 1;

    // #r, #load, #i and magic commands: the kernel acts on them before the C# runs.
    static IEnumerable<(int Line, string Text)> MagicLines(string source) =>
        source.Replace("\r\n", "\n").Split('\n').Select((l, i) => (Line: i + 1, Text: l.Trim()))
            .Where(l => l.Text.StartsWith("#r ", StringComparison.Ordinal) || l.Text.StartsWith("#load ", StringComparison.Ordinal)
                        || l.Text.StartsWith("#i ", StringComparison.Ordinal) || l.Text.StartsWith("#!", StringComparison.Ordinal));

    // For the compilation, directives are blanked (the references they name are in References already).
    static string Directives(string source) => string.Join("\n",
        source.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimStart().StartsWith('#') && !l.TrimStart().StartsWith("#region", StringComparison.Ordinal)
                                                              && !l.TrimStart().StartsWith("#endregion", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#if", StringComparison.Ordinal)
                                                              && !l.TrimStart().StartsWith("#else", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#endif", StringComparison.Ordinal)
                                                              && !l.TrimStart().StartsWith("#nullable", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#pragma", StringComparison.Ordinal)
            ? "" : l));

    // The kernel's default imports (its C# kernel adds exactly these).
    static readonly CSharpCompilationOptions CompilationOptions = new(OutputKind.DynamicallyLinkedLibrary,
        usings: ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"],
        allowUnsafe: true, nullableContextOptions: NullableContextOptions.Disable);

    // Every assembly this process can load: the framework, the course library and its packages, the kernel packages.
    static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList());
}
