using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// The outputs of the cell that is running now. It flows with the execution context (AsyncLocal),
/// so Console writes and display calls from tasks and threads a cell starts still land in that
/// cell, and concurrent runs in one process do not mix.
/// </summary>
public sealed class CellContext
{
    static readonly AsyncLocal<CellContext?> current = new();
    readonly object gate = new();

    public CellContext(JsonArray outputs) => Outputs = outputs;

    public static CellContext? Current => current.Value;

    public JsonArray Outputs { get; }

    internal IDisposable Enter()
    {
        var previous = current.Value;
        current.Value = this;
        return new Scope(() => current.Value = previous);
    }

    /// <summary>Appends to the cell's stream output, merging consecutive writes as Jupyter does.</summary>
    public void WriteStream(string name, string text)
    {
        if (text.Length == 0) return;
        lock (gate)
        {
            if (Outputs.Count > 0 && Outputs[^1] is JsonObject last &&
                last["output_type"]?.GetValue<string>() == "stream" && last["name"]?.GetValue<string>() == name)
            {
                last["text"] = NotebookDocument.ToLines(NotebookDocument.JoinLines(last["text"]) + text);
                return;
            }
            Outputs.Add(new JsonObject
            {
                ["name"] = name,
                ["output_type"] = "stream",
                ["text"] = NotebookDocument.ToLines(text),
            });
        }
    }

    /// <summary>Adds a display_data output and returns it so that it can be updated in place.</summary>
    public JsonObject AddDisplay(IReadOnlyDictionary<string, string> data)
    {
        var output = new JsonObject
        {
            ["data"] = ToBundle(data),
            ["metadata"] = new JsonObject(),
            ["output_type"] = "display_data",
        };
        lock (gate) Outputs.Add(output);
        return output;
    }

    public void Replace(JsonObject output, IReadOnlyDictionary<string, string> data)
    {
        lock (gate) output["data"] = ToBundle(data);
    }

    public void AddError(string evalue, IEnumerable<string> traceback)
    {
        var lines = new JsonArray();
        foreach (var line in traceback) lines.Add(line);
        lock (gate)
            Outputs.Add(new JsonObject
            {
                ["ename"] = "Error",
                ["evalue"] = evalue,
                ["output_type"] = "error",
                ["traceback"] = lines,
            });
    }

    static JsonObject ToBundle(IReadOnlyDictionary<string, string> data)
    {
        var bundle = new JsonObject();
        foreach (var (mime, text) in data) bundle[mime] = NotebookDocument.ToLines(text);
        return bundle;
    }

    sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
