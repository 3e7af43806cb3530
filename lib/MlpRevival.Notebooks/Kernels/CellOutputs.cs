using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Notebooks.Kernels;

/// <summary>
/// One cell's outputs, built from the kernel's events the way VS Code Polyglot Notebooks saves
/// them in an .ipynb: displayed and returned values as <c>display_data</c> (updated in place when
/// the kernel sends <see cref="DisplayedValueUpdated"/> for their value id), console writes as
/// merged <c>stream</c> outputs, a failure as an <c>error</c> output.
///
/// Capture is linear in the output's length (streams grow in string builders and become JSON once,
/// in <see cref="WriteTo"/>), and capped: past <see cref="Limit"/> characters a cell keeps nothing
/// more, and a last stream output says how much was dropped. An honest training loop that prints
/// every step stays cheap; a runaway print cannot exhaust the runner's memory.
/// </summary>
public sealed class CellOutputs(long limit = CellOutputs.DefaultLimit)
{
    /// <summary>Characters of output one cell keeps (about 4 MB of UTF-16).</summary>
    public const long DefaultLimit = 2_000_000;

    readonly object gate = new();
    readonly List<Output> outputs = [];
    readonly Dictionary<string, Display> byValueId = new(StringComparer.Ordinal);
    long kept, dropped;
    int droppedOutputs;

    public long Limit { get; } = limit;

    /// <summary>Adds what one kernel event shows; events that show nothing are ignored.</summary>
    public void Add(KernelEvent kernelEvent)
    {
        switch (kernelEvent)
        {
            case StandardOutputValueProduced e: AddStream("stdout", PlainText(e.FormattedValues)); break;
            case StandardErrorValueProduced e: AddStream("stderr", PlainText(e.FormattedValues)); break;
            case DisplayedValueUpdated e: Update(e.ValueId, e.FormattedValues); break;
            case DisplayEvent e: AddDisplay(e.ValueId, e.FormattedValues); break;   // DisplayedValueProduced, ReturnValueProduced
        }
    }

    public void AddStream(string name, string text)
    {
        if (text.Length == 0) return;
        lock (gate)
        {
            if (!Admit(text.Length)) return;
            if (outputs.Count > 0 && outputs[^1] is Stream last && last.Name == name) last.Text.Append(text);
            else outputs.Add(new Stream(name, new StringBuilder(text)));
        }
    }

    public void AddError(string evalue, IEnumerable<string> traceback)
    {
        // An error is always kept: it is why the cell stopped.
        lock (gate) outputs.Add(new Error(evalue, traceback.ToList()));
    }

    /// <summary>A line of output the runner could not take as an event (kept as stdout, so nothing is hidden).</summary>
    public void AddDroppedLine(long bytes) =>
        AddStream("stderr", $"[the runner dropped one kernel message of {Size(bytes)}: larger than a single output may be]\n");

    void AddDisplay(string? valueId, IReadOnlyCollection<FormattedValue> values)
    {
        var data = Bundle(values);
        if (data.Count == 0) return;
        lock (gate) AddDisplayLocked(valueId, data);
    }

    void Update(string? valueId, IReadOnlyCollection<FormattedValue> values)
    {
        var data = Bundle(values);
        if (data.Count == 0) return;
        lock (gate)
        {
            if (valueId is null || !byValueId.TryGetValue(valueId, out var display))
            {
                AddDisplayLocked(valueId, data);
                return;
            }
            long before = display.Data.Sum(d => (long)d.Value.Length), after = data.Sum(d => (long)d.Value.Length);
            if (after > before && !Admit(after - before)) return;
            if (after < before) kept -= before - after;
            display.Data = data;
        }
    }

    void AddDisplayLocked(string? valueId, Dictionary<string, string> data)
    {
        if (!Admit(data.Sum(d => (long)d.Value.Length))) return;
        var display = new Display(data);
        outputs.Add(display);
        if (valueId is not null) byValueId[valueId] = display;
    }

    bool Admit(long characters)
    {
        if (dropped == 0 && kept + characters <= Limit)
        {
            kept += characters;
            return true;
        }
        dropped += characters;
        droppedOutputs++;
        return false;
    }

    /// <summary>Writes the outputs into the cell's <c>outputs</c> array (replacing what it held).</summary>
    public void WriteTo(JsonArray target)
    {
        lock (gate)
        {
            target.Clear();
            foreach (var output in outputs) target.Add(output.ToJson());
            if (dropped > 0)
                target.Add(new Stream("stderr", new StringBuilder(
                    $"[output truncated: this cell produced {Size(dropped * 2)} more in {droppedOutputs:N0} outputs, past the " +
                    $"{Size(Limit * 2)} a cell keeps]\n")).ToJson());
        }
    }

    static string PlainText(IReadOnlyCollection<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? values.FirstOrDefault()?.Value ?? "";

    static Dictionary<string, string> Bundle(IReadOnlyCollection<FormattedValue> values)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
            if (!value.SuppressDisplay && value.Value is not null) data.TryAdd(value.MimeType, value.Value);
        return data;
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };

    abstract class Output
    {
        public abstract JsonObject ToJson();
    }

    sealed class Stream(string name, StringBuilder text) : Output
    {
        public string Name { get; } = name;
        public StringBuilder Text { get; } = text;

        public override JsonObject ToJson() => new()
        {
            ["name"] = Name,
            ["output_type"] = "stream",
            ["text"] = NotebookDocument.ToLines(Text.ToString()),
        };
    }

    sealed class Display(Dictionary<string, string> data) : Output
    {
        public Dictionary<string, string> Data { get; set; } = data;

        public override JsonObject ToJson()
        {
            var bundle = new JsonObject();
            foreach (var (mime, text) in Data) bundle[mime] = NotebookDocument.ToLines(text);
            return new JsonObject { ["data"] = bundle, ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
        }
    }

    sealed class Error(string evalue, List<string> traceback) : Output
    {
        public override JsonObject ToJson()
        {
            var lines = new JsonArray();
            foreach (var line in traceback) lines.Add(line);
            return new JsonObject { ["ename"] = "Error", ["evalue"] = evalue, ["output_type"] = "error", ["traceback"] = lines };
        }
    }
}
