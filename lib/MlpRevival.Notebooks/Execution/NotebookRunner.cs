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

    /// <summary>What a timeout message says happens next.</summary>
    public string TimeoutConsequence { get; init; } = "so the runner stopped the notebook here (--timeout sets the limit per cell)";

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
            var session = new NotebookSession(notebookDirectory, name, options);
            await session.StartAsync();   // the process's first compilation (~2 s): not any cell's time
            foreach (var cell in notebook.Cells)
            {
                if (!cell.IsCode) continue;
                executed++;
                cell.Json["execution_count"] = executed;
                failure = await session.RunCellAsync(cell, SourceNumber(notebook, cell, injected));
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

    static int SourceNumber(NotebookDocument notebook, NotebookCell cell, NotebookCell? injected)
    {
        var cells = notebook.CellArray;
        var index = cells.IndexOf(cell.Json) + 1;
        if (injected is null) return index;
        var injectedIndex = cells.IndexOf(injected.Json) + 1;
        return index == injectedIndex ? 0 : index > injectedIndex ? index - 1 : index;
    }

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
