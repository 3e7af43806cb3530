using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlpRevival.Notebooks.Format;

/// <summary>A notebook file that could not be read as nbformat 4.</summary>
public sealed class MalformedNotebookException(string path, string problem)
    : Exception($"{path}: not a valid notebook: {problem}. Open it in VS Code or fix the JSON, then run again.")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}

/// <summary>
/// An .ipynb document (nbformat 4.x) held as JSON so that every field we do not interpret survives
/// a load/save round trip. Cells are exposed as <see cref="NotebookCell"/> views over the JSON.
/// </summary>
public sealed partial class NotebookDocument
{
    public JsonObject Root { get; }
    public string? SourcePath { get; }

    NotebookDocument(JsonObject root, string? sourcePath)
    {
        Root = root;
        SourcePath = sourcePath;
    }

    public JsonObject Metadata => (JsonObject)Root["metadata"]!;
    public JsonArray CellArray => (JsonArray)Root["cells"]!;
    public IReadOnlyList<NotebookCell> Cells => CellArray.Select(c => new NotebookCell((JsonObject)c!)).ToList();

    public static NotebookDocument Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"Notebook not found: {path}", path); }
        return Parse(text, path);
    }

    public static NotebookDocument Parse(string json, string path = "<notebook>")
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false }); }
        catch (JsonException e) { throw new MalformedNotebookException(path, $"invalid JSON ({e.Message})"); }
        if (node is not JsonObject root) throw new MalformedNotebookException(path, "the top level is not a JSON object");
        if (root["nbformat"]?.GetValueKind() != JsonValueKind.Number || root["nbformat"]!.GetValue<int>() != 4)
            throw new MalformedNotebookException(path, "\"nbformat\" must be 4");
        if (root["cells"] is not JsonArray cells) throw new MalformedNotebookException(path, "no \"cells\" array");
        if (root["metadata"] is not JsonObject) root["metadata"] = new JsonObject();
        if (root["nbformat_minor"]?.GetValueKind() != JsonValueKind.Number) root["nbformat_minor"] = 5;

        var ids = new HashSet<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject cell) throw new MalformedNotebookException(path, $"cell {i + 1} is not a JSON object");
            var type = cell["cell_type"]?.GetValueKind() == JsonValueKind.String ? cell["cell_type"]!.GetValue<string>() : null;
            if (type is null) throw new MalformedNotebookException(path, $"cell {i + 1} has no \"cell_type\"");
            if (cell["source"] is not (JsonArray or JsonValue))
                throw new MalformedNotebookException(path, $"cell {i + 1} has no \"source\"");
            if (cell["metadata"] is not JsonObject) cell["metadata"] = new JsonObject();
            // nbformat 4.5 requires ids; older notebooks get fresh ones, duplicates are renamed.
            var id = cell["id"]?.GetValueKind() == JsonValueKind.String ? cell["id"]!.GetValue<string>() : null;
            if (id is null || !CellIdPattern().IsMatch(id) || !ids.Add(id))
            {
                id = NewCellId(ids);
                ids.Add(id);
                cell["id"] = id;
            }
            if (type == "code")
            {
                cell["outputs"] ??= new JsonArray();
                if (!cell.ContainsKey("execution_count")) cell["execution_count"] = null;
            }
        }
        root["nbformat_minor"] = Math.Max(5, root["nbformat_minor"]!.GetValue<int>());
        return new NotebookDocument(root, path);
    }

    public NotebookDocument Clone() => new((JsonObject)Root.DeepClone(), SourcePath);

    public static string NewCellId(ICollection<string>? taken = null)
    {
        while (true)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            if (taken is null || !taken.Contains(id)) return id;
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9-_]{1,64}$")]
    internal static partial Regex CellIdPattern();

    static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The notebook as JSON, indented with one space as Jupyter and VS Code write it.</summary>
    public string ToJson() => Root.ToJsonString(WriteOptions) + "\n";

    /// <summary>Writes atomically: a temp file beside the target, then a rename.</summary>
    public void Save(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, ToJson(), new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Splits text into the list-of-lines form nbformat and VS Code use (each line keeps its "\n").</summary>
    public static JsonArray ToLines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    /// <summary>Joins a multiline string (string or list of strings) back into text.</summary>
    public static string JoinLines(JsonNode? node) => node switch
    {
        null => "",
        JsonArray array => string.Concat(array.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}

/// <summary>A view over one cell's JSON.</summary>
public sealed class NotebookCell(JsonObject json)
{
    public JsonObject Json { get; } = json;
    public string Id => Json["id"]!.GetValue<string>();
    public string CellType => Json["cell_type"]!.GetValue<string>();
    public bool IsCode => CellType == "code";
    public bool IsMarkdown => CellType == "markdown";

    public string Source
    {
        get => NotebookDocument.JoinLines(Json["source"]);
        set => Json["source"] = NotebookDocument.ToLines(value);
    }

    public JsonObject Metadata => (JsonObject)Json["metadata"]!;

    public IReadOnlyList<string> Tags =>
        Metadata["tags"] is JsonArray tags ? tags.Select(t => t?.GetValue<string>() ?? "").ToList() : [];

    public bool HasTag(string tag) => Tags.Contains(tag);

    public JsonArray Outputs => Json["outputs"] as JsonArray ?? (JsonArray)(Json["outputs"] = new JsonArray());

    /// <summary>The kernel a Polyglot cell names in its metadata (csharp when it names none).</summary>
    public string KernelName =>
        (Metadata["polyglot_notebook"]?["kernelName"] ?? Metadata["dotnet_interactive"]?["language"])?.GetValue<string>() ?? "csharp";
}
