using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace MlpRevival.Notebooks.Execution;

/// <summary>The outcome of one submission.</summary>
public sealed record SubmissionResult(
    bool HasReturnValue,
    object? ReturnValue,
    Exception? Exception,
    ImmutableArray<Diagnostic> Errors);

/// <summary>
/// One Roslyn script session per notebook, as the C# kernel keeps one: each cell continues the
/// previous cell's state (RunAsync, then ContinueWith per cell), with the kernel's language version,
/// default imports and <c>using static Microsoft.DotNet.Interactive.Kernel;</c>.
/// </summary>
public sealed class ScriptSession
{
    /// <summary>The C# kernel's default imports, exactly.</summary>
    public static readonly string[] DefaultImports =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"];

    static readonly MethodInfo? hasReturnValue =
        typeof(Script).GetMethod("HasReturnValue", BindingFlags.Instance | BindingFlags.NonPublic);

    ScriptOptions options;
    ScriptState<object>? state;

    public ScriptSession(string notebookDirectory)
    {
        NotebookDirectory = Path.GetFullPath(notebookDirectory);
        options = ScriptOptions.Default
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithImports(DefaultImports)
            .AddReferences(
                typeof(Microsoft.DotNet.Interactive.Kernel).Assembly,
                typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly,
                typeof(Microsoft.AspNetCore.Html.IHtmlContent).Assembly)
            .WithMetadataResolver(new NotebookMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(NotebookDirectory)))
            .WithSourceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, NotebookDirectory))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8);
    }

    public string NotebookDirectory { get; }

    public void AddReferences(IEnumerable<MetadataReference> references) => options = options.AddReferences(references);

    /// <summary>The kernel's first submission, before any cell.</summary>
    public async Task StartAsync()
    {
        var script = CSharpScript.Create("using static Microsoft.DotNet.Interactive.Kernel;", options);
        state = await script.RunAsync();
    }

    /// <summary>
    /// Compiles and runs one cell. <paramref name="filePath"/> names the cell in diagnostics and
    /// stack traces; relative #r and #load still resolve against the notebook's folder.
    /// </summary>
    public async Task<SubmissionResult> RunAsync(string code, string filePath, CancellationToken cancellation = default)
    {
        if (state is null) await StartAsync();
        var cellOptions = options.WithFilePath(filePath);
        var script = state!.Script.ContinueWith(code, cellOptions);
        var errors = script.Compile(cancellation).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        if (errors.Length > 0) return new SubmissionResult(false, null, null, errors);

        var next = await script.RunFromAsync(state, _ => true, cancellation);
        state = next;
        return new SubmissionResult(HasReturnValue(script, code), next.ReturnValue, next.Exception, []);
    }

    // The kernel displays a cell's value only when the cell ends in an expression (no semicolon)
    // of a non-void type. Roslyn knows (Script.HasReturnValue is internal); if a future Roslyn
    // drops it, read the syntax instead.
    static bool HasReturnValue(Script script, string code)
    {
        if (hasReturnValue?.Invoke(script, null) is bool known) return known;
        var root = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetRoot();
        return root.ChildNodes().LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax statement }
               && statement.SemicolonToken.IsMissing;
    }
}
