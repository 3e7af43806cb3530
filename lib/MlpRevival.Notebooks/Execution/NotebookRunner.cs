using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Execution;

/// <summary>How to run a notebook.</summary>
public sealed record RunOptions
{
    /// <summary>The longest a single cell may run. Generous: a laptop-profile training cell takes minutes.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(60);

    /// <summary>A profile documented in the parameters cell (// profile quick: ...), or null.</summary>
    public string? Profile { get; init; }

    /// <summary>Explicit parameter values (name → text), applied over the profile's.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}

public enum FailureKind { Parameters, Directive, Compile, Runtime, Timeout }

/// <summary>Where and why a notebook stopped. <see cref="CellNumber"/> counts every cell of the source notebook from 1.</summary>
public sealed record CellFailure(FailureKind Kind, int CellNumber, string CellId, int? Line, string Message)
{
    public string Where => CellNumber == 0
        ? "injected-parameters cell" + (Line is { } l ? $", line {l}" : "")
        : $"cell {CellNumber} (id {CellId})" + (Line is { } line ? $", line {line}" : "");
}

public sealed record NotebookRunResult(
    string Notebook,
    CellFailure? Failure,
    int CodeCellsRun,
    int CodeCells,
    TimeSpan Elapsed)
{
    public bool Succeeded => Failure is null;
    public bool TimedOut => Failure?.Kind == FailureKind.Timeout;

    /// <summary>"01-x.ipynb: cell 7 (id …), line 3: error CS0103: …" or "01-x.ipynb: ok, 12 code cells, 8.1 s".</summary>
    public string Describe() => Failure is { } f
        ? $"{Notebook}: {f.Where}: {f.Message}"
        : $"{Notebook}: ok, {CodeCellsRun} code cells, {Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}

/// <summary>
/// Executes a Polyglot C# notebook headlessly with the C# kernel's semantics and returns the
/// executed copy: outputs stored as VS Code stores them, execution counts, per-cell start and end
/// times (metadata.execution, as Jupyter records them). A failing cell keeps its error, later cells
/// are not run; the executed copy is produced either way.
/// </summary>
public static class NotebookRunner
{
    public const string RunMetadataKey = "mlp_revival";

    public static async Task<(NotebookDocument Executed, NotebookRunResult Result)> ExecuteAsync(
        NotebookDocument source, string notebookDirectory, RunOptions options)
    {
        ConsoleCapture.Install();
        ValueFormatter.ConfigureKernelDefaults();
        var name = Path.GetFileName(source.SourcePath ?? "notebook.ipynb");
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var notebook = source.Clone();
        foreach (var cell in notebook.Cells.Where(c => c.IsCode))
        {
            cell.Json["outputs"] = new JsonArray();
            cell.Json["execution_count"] = null;
            cell.Metadata.Remove("execution");
        }

        int codeCells = notebook.Cells.Count(c => c.IsCode);
        CellFailure? failure = null;
        NotebookCell? injected = null;
        IReadOnlyDictionary<string, string> injectedValues = new Dictionary<string, string>();
        try
        {
            if (options.Profile is not null || options.Parameters.Count > 0)
            {
                var parametersCell = Parameters.FindParametersCell(notebook) ?? throw new ParameterException(
                    "Parameters were given but no code cell is tagged 'parameters'.");
                injectedValues = Parameters.Resolve(parametersCell.Source, options.Profile, options.Parameters);
                injected = Parameters.Inject(notebook, Parameters.InjectedSource(parametersCell.Source, injectedValues, options.Profile));
                codeCells++;
            }
        }
        catch (ParameterException e)
        {
            var parametersCell = Parameters.FindParametersCell(notebook);
            failure = new CellFailure(FailureKind.Parameters,
                parametersCell is null ? 1 : SourceNumber(notebook, parametersCell, null), parametersCell?.Id ?? "-", null, e.Message);
        }

        int executed = 0;
        if (failure is null)
        {
            var session = new ScriptSession(notebookDirectory);
            await session.StartAsync();   // the process's first compilation (~2 s): not any cell's time
            var catalog = PackageCatalog.ForThisProcess();
            foreach (var cell in notebook.Cells)
            {
                if (!cell.IsCode) continue;
                executed++;
                cell.Json["execution_count"] = executed;
                failure = await RunCellAsync(session, catalog, notebook, cell, injected, name, options);
                if (failure is not null) break;
            }
        }

        clock.Stop();
        notebook.Metadata[RunMetadataKey] = new JsonObject
        {
            ["executed_at"] = Iso(started),
            ["duration_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ["status"] = failure is null ? "ok" : failure.Kind == FailureKind.Timeout ? "timed out" : "failed",
            ["profile"] = options.Profile,
            ["parameters"] = new JsonObject(injectedValues.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        return (notebook, new NotebookRunResult(name, failure, executed, codeCells, clock.Elapsed));
    }

    static async Task<CellFailure?> RunCellAsync(
        ScriptSession session, PackageCatalog catalog, NotebookDocument notebook, NotebookCell cell,
        NotebookCell? injected, string notebookName, RunOptions options)
    {
        var context = new CellContext(cell.Outputs);
        var number = SourceNumber(notebook, cell, injected);
        var filePath = Path.Combine(session.NotebookDirectory, number == 0 ? $"{notebookName} injected-parameters" : $"{notebookName} cell {number}");
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
            ["iopub.execute_input"] = Iso(start),
            ["shell.execute_reply"] = Iso(start + clock.Elapsed),
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
                    $"Timed out after {Seconds(options.CellTimeout)}: the cell was still running, so the runner stopped the notebook here " +
                    "(--timeout sets the limit per cell).");

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
                    $"{error.GetType().FullName}: {error.Message}", error.ToString().Split('\n').Select(l => l.TrimEnd('\r')));
            }
            return null;
        }
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

    static int SourceNumber(NotebookDocument notebook, NotebookCell cell, NotebookCell? injected)
    {
        var cells = notebook.CellArray;
        var index = cells.IndexOf(cell.Json) + 1;
        if (injected is null) return index;
        var injectedIndex = cells.IndexOf(injected.Json) + 1;
        return index == injectedIndex ? 0 : index > injectedIndex ? index - 1 : index;
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

    static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
