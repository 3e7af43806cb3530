using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Tests.Notebooks;

/// <summary>Builds small notebooks in temporary folders and runs them in the course kernel.</summary>
static class TestNotebooks
{
    public sealed record Cell(string Type, string Source, params string[] Tags);

    public static Cell Code(string source, params string[] tags) => new("code", source, tags);
    public static Cell Markdown(string source) => new("markdown", source);

    public static string Json(IEnumerable<Cell> cells, int minor = 5)
    {
        var array = new JsonArray();
        int n = 0;
        foreach (var cell in cells)
        {
            n++;
            var metadata = new JsonObject();
            if (cell.Type == "code")
            {
                metadata["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" };
                metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" };
            }
            if (cell.Tags.Length > 0) metadata["tags"] = new JsonArray(cell.Tags.Select(t => (JsonNode)t).ToArray());
            var json = new JsonObject { ["cell_type"] = cell.Type, ["id"] = $"cell-{n}", ["metadata"] = metadata, ["source"] = NotebookDocument.ToLines(cell.Source) };
            if (minor < 5) json.Remove("id");
            if (cell.Type == "code") { json["execution_count"] = null; json["outputs"] = new JsonArray(); }
            array.Add(json);
        }
        var notebook = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "C#" },
                ["custom_field"] = new JsonObject { ["kept"] = true },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = minor,
        };
        return notebook.ToJsonString();
    }

    /// <summary>A fresh folder under the system temp directory.</summary>
    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlpr-tests", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs the cells as a notebook in the course kernel (a kernel process of its own, working in <paramref name="folder"/>).</summary>
    public static Task<(NotebookDocument Executed, NotebookRunResult Result)> RunAsync(
        IEnumerable<Cell> cells, RunOptions? options = null, string? folder = null)
    {
        folder ??= TempFolder();
        return NotebookRunner.ExecuteAsync(NotebookDocument.Parse(Json(cells), Path.Combine(folder, "test.ipynb")),
            folder, options ?? new RunOptions { Kernel = TestKernel.Layout });
    }

    public static List<JsonObject> Outputs(this NotebookDocument notebook, int cellIndex) =>
        notebook.Cells[cellIndex].Outputs.OfType<JsonObject>().ToList();

    public static string Text(this JsonObject output, string mime = "text/plain") =>
        output["output_type"]!.GetValue<string>() == "stream"
            ? NotebookDocument.JoinLines(output["text"])
            : NotebookDocument.JoinLines(output["data"]?[mime]);

    public static string Type(this JsonObject output) => output["output_type"]!.GetValue<string>();
}
