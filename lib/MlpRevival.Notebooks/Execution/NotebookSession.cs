using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// One notebook's kernel: a script session that runs code cells one at a time, in order, writing
/// each cell's outputs, execution time and (on failure) its error into the cell. The runner drives
/// it over a whole notebook; the grader's worker feeds it cells one by one.
/// </summary>
public sealed class NotebookSession(string notebookDirectory, string notebookName, RunOptions options)
{
    readonly ScriptSession session = new(notebookDirectory);
    readonly PackageCatalog catalog = PackageCatalog.ForThisProcess();

    public string NotebookDirectory => session.NotebookDirectory;

    /// <summary>The first compilation of the session (about 2 s in a fresh process): not any cell's time.</summary>
    public Task StartAsync() => session.StartAsync();

    /// <summary>
    /// Runs one code cell. <paramref name="number"/> names it in errors and stack traces: its
    /// position in the source notebook (1-based), 0 for the injected-parameters cell.
    /// Returns null when the cell succeeded.
    /// </summary>
    public async Task<CellFailure?> RunCellAsync(NotebookCell cell, int number)
    {
        var context = new CellContext(cell.Outputs);
        var filePath = Path.Combine(session.NotebookDirectory,
            number == 0 ? $"{notebookName} injected-parameters" : $"{notebookName} cell {number}");
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        CellFailure Fail(FailureKind kind, int? line, string message, IEnumerable<string>? traceback = null)
        {
            context.AddError(message, traceback ?? message.Split('\n'));
            return new CellFailure(kind, number, cell.Id, line, message);
        }

        CellFailure? failure;
        try
        {
            if (cell.KernelName is not ("csharp" or "C#" or "c#"))
                failure = Fail(FailureKind.Directive, null,
                    $"This cell is a '{cell.KernelName}' cell; the course runner executes C# cells only.");
            else
                failure = await RunPreparedAsync();
        }
        catch (DirectiveException e)
        {
            failure = Fail(FailureKind.Directive, e.Line, e.Message);
        }

        clock.Stop();
        cell.Metadata["execution"] = new JsonObject
        {
            ["iopub.execute_input"] = NotebookRunner.Iso(start),
            ["shell.execute_reply"] = NotebookRunner.Iso(start + clock.Elapsed),
        };
        return failure;

        async Task<CellFailure?> RunPreparedAsync()
        {
            var prepared = Directives.Prepare(cell.Source);
            foreach (var package in prepared.Packages) session.AddReferences(catalog.Resolve(package));

            foreach (var (path, line) in prepared.Imports)
            {
                var importFailure = await RunWithTimeoutAsync(ImportSource(session.NotebookDirectory, path, line), ImportPath(session.NotebookDirectory, path), line);
                if (importFailure is not null) return importFailure;
            }

            var cellFailure = await RunWithTimeoutAsync(prepared.Code, filePath, null);
            if (cellFailure is null && prepared.Time)
                context.AddDisplay(new Dictionary<string, string>
                {
                    ["text/plain"] = $"Wall time: {clock.Elapsed.TotalMilliseconds.ToString("0.####", CultureInfo.InvariantCulture)}ms",
                });
            return cellFailure;
        }

        async Task<CellFailure?> RunWithTimeoutAsync(string code, string path, int? importLine)
        {
            var run = Task.Run(async () =>
            {
                using var _ = context.Enter();
                var result = await session.RunAsync(code, path);
                if (result.Errors.Length == 0 && result.Exception is null && result.HasReturnValue)
                    context.AddDisplay(ValueFormatter.Format(result.ReturnValue, null));
                return result;
            });
            var finished = await Task.WhenAny(run, Task.Delay(options.CellTimeout));
            if (finished != run)
                return Fail(FailureKind.Timeout, null,
                    $"Timed out after {Seconds(options.CellTimeout)}: the cell was still running, {options.TimeoutConsequence}.");

            SubmissionResult outcome;
            try { outcome = await run; }
            catch (CompilationErrorException e) { outcome = new SubmissionResult(false, null, null, e.Diagnostics); }

            if (outcome.Errors.Length > 0)
            {
                var lines = outcome.Errors.Select(FormatDiagnostic).ToList();
                var first = outcome.Errors[0].Location.GetMappedLineSpan();
                return Fail(FailureKind.Compile, importLine ?? (first.IsValid ? first.StartLinePosition.Line + 1 : null),
                    string.Join("\n", lines), lines);
            }
            if (outcome.Exception is { } exception)
            {
                var error = Unwrap(exception);
                return Fail(FailureKind.Runtime, importLine ?? LineIn(error, path),
                    $"{error.GetType().FullName}: {Headline(error.Message)}", error.ToString().Split('\n').Select(l => l.TrimEnd('\r')));
            }
            return null;
        }
    }

    // libtorch appends its C++ stack to the message of every error it raises; the message says
    // what went wrong, the traceback keeps the rest.
    static string Headline(string message)
    {
        var native = message.IndexOf("\nException raised from ", StringComparison.Ordinal);
        return native < 0 ? message : message[..native];
    }

    static string ImportPath(string directory, string path) => Path.GetFullPath(Path.Combine(directory, path));

    // #!import runs another file's C# in this session: a .csx/.cs file as is, a notebook's code cells in order.
    static string ImportSource(string directory, string path, int line)
    {
        var full = ImportPath(directory, path);
        if (!File.Exists(full)) throw new DirectiveException(line, $"#!import: file not found: {path} (relative to the notebook's folder).");
        if (!full.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) return File.ReadAllText(full);
        var imported = NotebookDocument.Load(full);
        return string.Join("\n", imported.Cells.Where(c => c.IsCode).Select(c => Directives.Prepare(c.Source).Code));
    }

    static string FormatDiagnostic(Diagnostic d)
    {
        var span = d.Location.GetMappedLineSpan();
        var where = span.IsValid ? $"({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : "";
        return $"{where}error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
    }

    static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) { e = inner; continue; }
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) { e = aggregate.InnerExceptions[0]; continue; }
            return e;
        }
    }

    // The innermost stack frame that lies in this cell gives the line to report.
    static int? LineIn(Exception exception, string cellPath)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var frame = new StackTrace(e, fNeedFileInfo: true).GetFrames()
                .FirstOrDefault(f => string.Equals(f.GetFileName(), cellPath, StringComparison.Ordinal) && f.GetFileLineNumber() > 0);
            if (frame is not null) return frame.GetFileLineNumber();
        }
        return null;
    }

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
