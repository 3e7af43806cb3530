using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;
using MlpRevival.Tests.Notebooks;

namespace MlpRevival.Tests.Grading;

/// <summary>
/// A two-exercise assignment small enough to grade in seconds, laid out like the course
/// (course/notebooks/hw.ipynb) in a temp folder: Square (2 points) and SumTo (3 points), each
/// with visible and hidden tests that use the course library's Check helpers.
/// </summary>
static class Assignment
{
    public const string SquareSolution = "static long Square(long x)\n{\n    // BEGIN SOLUTION\n    // Hint: multiply x by itself.\n    return x * x;\n    // END SOLUTION\n}";
    public const string SumSolution = "static long SumTo(int k)\n{\n    // BEGIN SOLUTION\n    return (long)k * (k + 1) / 2;\n    // END SOLUTION\n}";
    public const string HiddenSquareLine = "for (int i = 0; i < 5; i++) { long v = rng.Next(-1000, 1000); Check.Equal(v * v, Square(v), $\"Square({v})\"); }";

    public static string LibraryReference => TestKernel.LibraryReference;

    public static JsonObject Solution(string gradeId) => Nbgrader(gradeId, solution: true, grade: false, locked: false);

    public static JsonObject Tests(string gradeId, double points)
    {
        var nb = Nbgrader(gradeId, solution: false, grade: true, locked: true);
        nb["points"] = points;
        return nb;
    }

    static JsonObject Nbgrader(string gradeId, bool solution, bool grade, bool locked) => new()
    {
        ["schema_version"] = 3, ["grade"] = grade, ["solution"] = solution, ["locked"] = locked, ["grade_id"] = gradeId, ["task"] = false,
    };

    /// <summary>The instructor notebook's cells: (type, source, nbgrader metadata or null, tags).</summary>
    public static IReadOnlyList<(string Type, string Source, JsonObject? Nbgrader, string[] Tags)> Cells() =>
    [
        ("markdown", "# Homework", null, []),
        // As every course notebook's first cell: the library, and Course.Setup(), which loads libtorch.
        ("code", LibraryReference + "\nusing MlpRevival;\nCourse.Setup();", null, []),
        ("code", "// profile quick: n = 2;\nvar n = 3;", null, ["parameters"]),
        ("code", SquareSolution, Solution("square"), []),
        ("code", "Check.Equal(9L, Square(3), \"Square(3)\");\n// BEGIN HIDDEN TESTS\nvar rng = new Random();\n" + HiddenSquareLine + "\n// END HIDDEN TESTS", Tests("square-tests", 2), []),
        ("code", SumSolution, Solution("sum"), []),
        ("code", "Check.Equal(6L, SumTo(n + 1), \"SumTo(n + 1)\");\n// BEGIN HIDDEN TESTS\nCheck.Equal(5050L, SumTo(100), \"SumTo(100)\");\n// END HIDDEN TESTS", Tests("sum-tests", 3), []),
    ];

    public static string Json()
    {
        var json = JsonNode.Parse(TestNotebooks.Json(Cells().Select(c => c.Type == "code" ? TestNotebooks.Code(c.Source, c.Tags) : TestNotebooks.Markdown(c.Source))))!.AsObject();
        var cells = (JsonArray)json["cells"]!;
        var spec = Cells();
        for (int i = 0; i < spec.Count; i++)
            if (spec[i].Nbgrader is { } nb) cells[i]!["metadata"]!["nbgrader"] = nb.DeepClone();
        return json.ToJsonString();
    }

    /// <summary>Writes the instructor notebook under a fresh temp course folder; returns (course folder, notebook path).</summary>
    public static (string Course, string Notebook) WriteInstructor()
    {
        var course = TestNotebooks.TempFolder();
        var notebooks = Path.Combine(course, "notebooks");
        Directory.CreateDirectory(notebooks);
        var path = Path.Combine(notebooks, "hw.ipynb");
        File.WriteAllText(path, Json());
        // A data folder beside the notebooks, as in the course: the grader mounts it read-only.
        Directory.CreateDirectory(Path.Combine(course, "datasets"));
        File.WriteAllText(Path.Combine(course, "datasets", "README"), "data");
        return (course, path);
    }

    /// <summary>A submission: the released notebook with the given solution cells' sources (null keeps the stub).</summary>
    public static string Submission(NotebookDocument released, IReadOnlyDictionary<string, string> solutions)
    {
        var copy = released.Clone();
        foreach (var cell in copy.Cells)
            if (cell.Metadata["nbgrader"]?["grade_id"]?.GetValue<string>() is { } id && solutions.TryGetValue(id, out var source))
                cell.Source = source;
        return copy.ToJson();
    }
}
