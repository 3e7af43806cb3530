using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlpRevival.Notebooks.Format;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Notebooks.Execution;

/// <summary>How to run a notebook.</summary>
public sealed record RunOptions
{
    /// <summary>The course kernel to run the notebook in (see <see cref="CourseKernel"/>).</summary>
    public required KernelLayout Kernel { get; init; }

    /// <summary>The longest a single cell may run. Generous: a laptop-profile training cell takes minutes.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(60);

    /// <summary>How long the kernel may take to start.</summary>
    public TimeSpan KernelStartLimit { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Characters of output one cell keeps (the rest is dropped, with a note).</summary>
    public long OutputLimit { get; init; } = CellOutputs.DefaultLimit;

    /// <summary>A profile documented in the parameters cell (// profile quick: ...), or null.</summary>
    public string? Profile { get; init; }

    /// <summary>Explicit parameter values (name → text), applied over the profile's.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Variables set for the kernel process (over this process's own environment).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

public enum FailureKind { Parameters, Kernel, Compile, Runtime, Timeout }

/// <summary>
/// Where and why a notebook stopped. <see cref="CellNumber"/> counts every cell of the source
/// notebook from 1 (0: the injected-parameters cell); <see cref="FirstLine"/> is the cell's first
/// line of source, so the cell can be found without counting.
/// </summary>
public sealed record CellFailure(FailureKind Kind, int CellNumber, string CellId, int? Line, string Message, string FirstLine = "")
{
    public string Where => (CellNumber == 0 ? "injected-parameters cell" : $"cell {CellNumber} (id {CellId})")
                           + (FirstLine.Length > 0 ? $" «{FirstLine}»" : "")
                           + (Line is { } l ? $", line {l}" : "");
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

    /// <summary>"01-x.ipynb: cell 7 (id …) «first line», line 3: error CS0103: …" or "01-x.ipynb: ok, 12 code cells, 8.1 s".</summary>
    public string Describe() => Failure is { } f
        ? $"{Notebook}: {f.Where}: {f.Message.Split('\n')[0]}"
        : $"{Notebook}: ok, {CodeCellsRun} code cells, {Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}

/// <summary>
/// Executes a notebook in the course kernel — the .NET Interactive kernel VS Code Polyglot
/// Notebooks runs, started and driven over stdio exactly as the extension drives it (working
/// directory: the notebook's folder; one SubmitCode per cell, in order) — and returns the executed
/// copy: outputs stored as VS Code stores them, execution counts, per-cell start and end times
/// (metadata.execution, as Jupyter records them). A failing cell keeps its error and later cells
/// are not run; the executed copy is produced either way.
/// </summary>
public static partial class NotebookRunner
{
    public const string RunMetadataKey = "mlp_revival";

    public static async Task<(NotebookDocument Executed, NotebookRunResult Result)> ExecuteAsync(
        NotebookDocument source, string notebookDirectory, RunOptions options)
    {
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

        CellFailure? failure = null;
        NotebookCell? injected = null;
        IReadOnlyDictionary<string, string> injectedValues = new Dictionary<string, string>();
        try
        {
            (notebook, injectedValues) = Parameters.Parameterize(notebook, options.Profile, options.Parameters);
            injected = notebook.Cells.FirstOrDefault(c => c.HasTag(Parameters.InjectedTag));
        }
        catch (ParameterException e)
        {
            var parametersCell = Parameters.FindParametersCell(notebook);
            failure = new CellFailure(FailureKind.Parameters,
                parametersCell is null ? 1 : SourceNumber(notebook, parametersCell, null), parametersCell?.Id ?? "-", null, e.Message);
        }

        int codeCells = notebook.Cells.Count(c => c.IsCode), executed = 0;
        if (failure is null)
        {
            KernelConnection? kernel = null;
            try
            {
                var start = options.Kernel.StdioStart(notebookDirectory);
                foreach (var (k, v) in options.Environment) start.Environment[k] = v;
                kernel = await KernelConnection.StartAsync(start, options.KernelStartLimit);
            }
            catch (KernelStartException e)
            {
                var first = notebook.Cells.First(c => c.IsCode);
                failure = new CellFailure(FailureKind.Kernel, SourceNumber(notebook, first, injected), first.Id, null,
                    $"The course kernel did not start: {e.Message}");
                AddError(first, failure.Message, failure.Message.Split('\n'));
            }

            if (kernel is not null)
                await using (kernel)
                    foreach (var cell in notebook.Cells.Where(c => c.IsCode))
                    {
                        executed++;
                        cell.Json["execution_count"] = executed;
                        (failure, _) = await RunCellAsync(kernel, cell, SourceNumber(notebook, cell, injected), options.CellTimeout,
                            options.OutputLimit, "so the runner stopped the notebook here (--timeout sets the limit per cell)");
                        if (failure is not null) break;
                    }
        }

        clock.Stop();
        notebook.Metadata[RunMetadataKey] = new JsonObject
        {
            ["executed_at"] = Iso(started),
            ["duration_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ["status"] = failure is null ? "ok" : failure.Kind == FailureKind.Timeout ? "timed out" : "failed",
            ["kernel"] = $"{CourseKernel.ToolPackageId} {options.Kernel.ToolVersion}",
            ["profile"] = options.Profile,
            ["parameters"] = new JsonObject(injectedValues.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        return (notebook, new NotebookRunResult(name, failure, executed, codeCells, clock.Elapsed));
    }

    /// <summary>
    /// Runs one code cell in <paramref name="kernel"/>, writing its outputs and times into the cell.
    /// The failure is null when the cell succeeded; the run says how it ended.
    /// </summary>
    public static async Task<(CellFailure? Failure, CellRun Run)> RunCellAsync(KernelConnection kernel, NotebookCell cell, int number,
        TimeSpan timeout, long outputLimit, string timeoutConsequence)
    {
        var outputs = new CellOutputs(outputLimit);
        var start = DateTimeOffset.UtcNow;
        var run = await kernel.SubmitAsync(cell.Source, KernelNameOf(cell), outputs, timeout);
        CellFailure? failure = null;
        if (!run.Succeeded)
        {
            var (kind, line, evalue) = Classify(run);
            var message = run.Status == CellStatus.TimedOut ? $"{run.Message!.TrimEnd('.')}, {timeoutConsequence}." : evalue;
            outputs.AddError(message, (run.Message ?? message).Split('\n').Select(l => l.TrimEnd('\r')));
            failure = new CellFailure(kind, number, cell.Id, line, message, FirstLineOf(cell.Source));
        }
        outputs.WriteTo(cell.Outputs);
        cell.Metadata["execution"] = new JsonObject
        {
            ["iopub.execute_input"] = Iso(start),
            ["shell.execute_reply"] = Iso(start + run.Elapsed),
        };
        return (failure, run);
    }

    /// <summary>The kernel a cell is for, as VS Code names it in the SubmitCode command.</summary>
    public static string KernelNameOf(NotebookCell cell) => cell.KernelName switch
    {
        "C#" or "c#" or "" => "csharp",
        var other => other,
    };

    static (FailureKind Kind, int? Line, string Evalue) Classify(CellRun run)
    {
        var message = run.Message ?? "";
        switch (run.Status)
        {
            case CellStatus.TimedOut: return (FailureKind.Timeout, null, message);
            case CellStatus.KernelEnded: return (FailureKind.Kernel, null, message);
        }
        if (CompileError().Match(message) is { Success: true } compile)
            return (FailureKind.Compile, int.Parse(compile.Groups["line"].Value, CultureInfo.InvariantCulture), message.TrimEnd());
        // A runtime exception: the kernel sends exception.ToString(); the headline says what went
        // wrong (libtorch appends its C++ stack to the message: that stays in the traceback).
        var headline = message.Split("\n   at ", 2)[0];
        headline = headline.Split("\nException raised from ", 2)[0].TrimEnd();
        return (FailureKind.Runtime, null, headline);
    }

    static void AddError(NotebookCell cell, string evalue, IEnumerable<string> traceback)
    {
        var outputs = new CellOutputs();
        outputs.AddError(evalue, traceback);
        outputs.WriteTo(cell.Outputs);
    }

    static string FirstLineOf(string source)
    {
        var line = source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length <= 60 ? line : line[..57] + "…";
    }

    static int SourceNumber(NotebookDocument notebook, NotebookCell cell, NotebookCell? injected)
    {
        var cells = notebook.CellArray;
        var index = cells.IndexOf(cell.Json) + 1;
        if (injected is null) return index;
        var injectedIndex = cells.IndexOf(injected.Json) + 1;
        return index == injectedIndex ? 0 : index > injectedIndex ? index - 1 : index;
    }

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\((?<line>\d+),\d+\): error CS\d+", RegexOptions.Multiline)]
    private static partial Regex CompileError();
}
