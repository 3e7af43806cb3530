using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>
/// The notebook a student gets back: their graded notebook as it ran, with every output, each
/// test cell's score under it, a summary at the top — and the hidden tests taken out again, from
/// the test cells' code and from any output that quotes them.
/// </summary>
public static class Feedback
{
    public const string MetadataKey = "mlp_revival_grade";

    public static NotebookDocument Build(NotebookDocument graded, NotebookDocument instructor, WorkerRun run,
        IReadOnlyList<TestScore> scores, AssembledNotebook assembled)
    {
        var feedback = graded.Clone();
        var hidden = GradingCell.All(instructor).Where(c => c.Role == GradingRole.Tests)
            .SelectMany(c => Regions.HiddenTestLines(c.Cell.Source))
            .Select(l => l.Trim()).Where(l => l.Length >= 12).Distinct().ToList();
        var byId = scores.ToDictionary(s => s.GradeId);
        int count = 0;
        foreach (var cell in feedback.Cells.Where(c => c.IsCode))
        {
            var grading = GradingCell.Of(cell);
            if (run.Results.TryGetValue(cell.Id, out var result))
            {
                cell.Json["outputs"] = Scrub((JsonArray)result.Outputs.DeepClone(), hidden);
                cell.Json["execution_count"] = ++count;
                if (result.Execution is not null) cell.Metadata["execution"] = result.Execution.DeepClone();
            }
            else cell.Json["outputs"] = new JsonArray();

            if (grading.Role != GradingRole.Tests) continue;
            cell.Source = Regions.RemoveHiddenTests(cell.Source, grading.GradeId);
            var score = byId[grading.GradeId];
            var mark = score.Status == TestScore.Passed ? "✔" : "✘";
            cell.Outputs.Add(new JsonObject
            {
                ["data"] = new JsonObject { ["text/plain"] = NotebookDocument.ToLines(
                    $"{mark} {grading.GradeId}: {score.Status}, {Points(score.Points)}/{Points(score.MaxPoints)} points" +
                    (score.Message is null ? "" : $" — {score.Message}")) },
                ["metadata"] = new JsonObject(),
                ["output_type"] = "display_data",
            });
        }

        var summary = new StringBuilder();
        var total = scores.Sum(s => s.Points);
        var max = scores.Sum(s => s.MaxPoints);
        summary.Append($"# Feedback: {Points(total)} / {Points(max)} points\n\n");
        summary.Append("| test | status | points |\n|---|---|---|\n");
        foreach (var s in scores) summary.Append($"| `{s.GradeId}` | {s.Status} | {Points(s.Points)} / {Points(s.MaxPoints)} |\n");
        var reasons = new List<string>();
        if (run.Stopped is not null) reasons.Add($"The run stopped early: {run.Stopped}.");
        reasons.AddRange(assembled.Shadowing.Select(s => $"`{s.Name}` in `{s.SolutionGradeId}` {s.Why}: {string.Join(", ", s.AffectedGradeIds)} scored 0."));
        reasons.AddRange(assembled.Notes);
        reasons.AddRange(assembled.Flags.Select(f => $"`{f.Key}` reaches outside the exercise, flagged for the instructor to review: {string.Join("; ", f.Value)}."));
        if (reasons.Count > 0) summary.Append('\n').Append(string.Join("\n", reasons.Select(r => "- " + r))).Append('\n');
        feedback.CellArray.Insert(0, new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = NotebookDocument.NewCellId(feedback.Cells.Select(c => c.Id).ToHashSet()),
            ["metadata"] = new JsonObject(),
            ["source"] = NotebookDocument.ToLines(summary.ToString()),
        });
        feedback.Metadata[MetadataKey] = new JsonObject { ["score"] = total, ["max_score"] = max };
        return feedback;
    }

    static string Points(double p) => p.ToString("0.##", CultureInfo.InvariantCulture);

    // Replaces any quoted hidden-test line in the outputs' text.
    static JsonArray Scrub(JsonArray outputs, IReadOnlyList<string> hidden)
    {
        if (hidden.Count == 0) return outputs;
        var text = outputs.ToJsonString();
        if (!hidden.Any(h => text.Contains(JsonEncoded(h), StringComparison.Ordinal))) return outputs;
        foreach (var h in hidden) text = text.Replace(JsonEncoded(h), "[hidden test]", StringComparison.Ordinal);
        return (JsonArray)JsonNode.Parse(text)!;
    }

    static string JsonEncoded(string s) => JsonValue.Create(s).ToJsonString()[1..^1];
}
