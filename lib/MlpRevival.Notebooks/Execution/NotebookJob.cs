using System.Text.Json;
using System.Text.Json.Serialization;
using MlpRevival.Notebooks.Export;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Execution;

/// <summary>What one run of one notebook wrote, as `course run` reports it (and stores in result files).</summary>
public sealed record NotebookJobReport(
    string Notebook,
    string Status,
    string Title,
    string? ExecutedNotebook,
    string? Html,
    double Seconds,
    int CodeCellsRun,
    int CodeCells,
    string? FailureKind,
    int? FailureCell,
    string? FailureCellId,
    int? FailureLine,
    string? Message,
    string Line)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public bool Succeeded => Status == "ok";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static NotebookJobReport FromJson(string json) =>
        JsonSerializer.Deserialize<NotebookJobReport>(json, Json) ?? throw new InvalidDataException("empty result file");

    /// <summary>A notebook that could not even be started (malformed file, child process crash).</summary>
    public static NotebookJobReport Broken(string notebook, string message) =>
        new(notebook, "failed", Path.GetFileNameWithoutExtension(notebook), null, null, 0, 0, 0, "Notebook", null, null, null, message,
            $"{Path.GetFileName(notebook)}: {message}");

    internal static NotebookJobReport From(NotebookRunResult result, string notebookPath, string title, string ipynb, string html) =>
        new(notebookPath, result.Succeeded ? "ok" : result.TimedOut ? "timed out" : "failed", title, ipynb, html,
            Math.Round(result.Elapsed.TotalSeconds, 3), result.CodeCellsRun, result.CodeCells,
            result.Failure?.Kind.ToString(), result.Failure?.CellNumber, result.Failure?.CellId, result.Failure?.Line,
            result.Failure?.Message, result.Describe());
}

/// <summary>
/// Runs one notebook in this process and writes its executed copy (.ipynb) and HTML page into an
/// output folder — also when a cell fails or times out, so nothing already produced is lost.
/// </summary>
public static class NotebookJob
{
    public static async Task<(NotebookJobReport Report, NotebookRunResult? Result)> RunAsync(string notebookPath, string outputDirectory, RunOptions options)
    {
        var full = Path.GetFullPath(notebookPath);
        NotebookDocument source;
        try { source = NotebookDocument.Load(full); }
        catch (Exception e) when (e is MalformedNotebookException or FileNotFoundException or IOException)
        {
            return (NotebookJobReport.Broken(full, e.Message), null);
        }

        var (executed, result) = await NotebookRunner.ExecuteAsync(source, Path.GetDirectoryName(full)!, options);
        Directory.CreateDirectory(outputDirectory);
        var stem = Path.GetFileNameWithoutExtension(full);
        var ipynb = Path.Combine(outputDirectory, stem + ".ipynb");
        var html = Path.Combine(outputDirectory, stem + ".html");
        executed.Save(ipynb);
        var page = HtmlExporter.Export(executed, result);
        var temp = html + ".tmp-" + Environment.ProcessId;
        await File.WriteAllTextAsync(temp, page);
        File.Move(temp, html, overwrite: true);
        return (NotebookJobReport.From(result, full, HtmlExporter.Title(executed), ipynb, html), result);
    }
}
