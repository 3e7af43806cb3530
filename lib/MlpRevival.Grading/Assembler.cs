using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>The notebook the grader runs for one submission, and what it noticed building it.</summary>
public sealed record AssembledNotebook(
    NotebookDocument Notebook,
    IReadOnlyList<string> Notes,
    IReadOnlyList<Shadowing> Shadowing,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Flags);

/// <summary>
/// Builds the notebook to grade from the instructor's source and a submission. Only the
/// submission's solution cells are taken (matched by grade_id); every other cell — locked cells,
/// test cells with their hidden tests, markdown — is the instructor's copy, whatever the
/// submission holds in its place. Changes to locked cells, missing solutions and added cells
/// are noted for the feedback.
/// </summary>
public static class Assembler
{
    public static AssembledNotebook Assemble(NotebookDocument instructor, NotebookDocument? submission)
    {
        var notes = new List<string>();
        var submitted = new Dictionary<string, GradingCell>(StringComparer.Ordinal);
        int added = 0;
        if (submission is not null)
            foreach (var cell in GradingCell.All(submission))
            {
                if (cell.Role == GradingRole.Plain) { if (cell.Cell.IsCode) added++; continue; }
                submitted.TryAdd(cell.GradeId, cell);
            }

        var graded = instructor.Clone();
        var instructorIds = new HashSet<string>(StringComparer.Ordinal);
        var solutions = new List<(string, string, string)>();
        var lockedCells = new List<(string, string)>();
        var flags = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var cell in GradingCell.All(graded))
        {
            instructorIds.Add(cell.GradeId);
            submitted.TryGetValue(cell.GradeId, out var theirs);
            if (cell.Role == GradingRole.Solution)
            {
                var instructorSource = cell.Cell.Source;
                string source;
                if (theirs is null || theirs.Role != GradingRole.Solution)
                {
                    source = Regions.StubSolutions(instructorSource, cell.GradeId, cell.GradeId);
                    notes.Add($"The solution cell '{cell.GradeId}' is missing from the submission: it was graded as not attempted.");
                }
                else source = theirs.Cell.Source;
                cell.Cell.Source = source;
                solutions.Add((cell.GradeId, instructorSource, source));
                continue;
            }

            if (cell.Cell.IsCode) lockedCells.Add((cell.GradeId, cell.Cell.Source));
            if (theirs is not null)
            {
                var released = cell.Role == GradingRole.Tests
                    ? new NotebookCell(new JsonObject { ["cell_type"] = cell.Cell.CellType, ["source"] = Regions.RemoveHiddenTests(cell.Cell.Source, cell.GradeId) })
                    : cell.Cell;
                if (GradingCell.Fingerprint(theirs.Cell) != GradingCell.Fingerprint(released))
                    notes.Add($"The locked cell '{cell.GradeId}' was changed in the submission; the instructor's copy was used.");
            }
        }

        foreach (var extra in submitted.Keys.Where(k => !instructorIds.Contains(k)))
            notes.Add($"The submission has a cell '{extra}' the assignment does not have; it was not graded.");
        if (added > 0)
            notes.Add($"{added} code cell(s) added to the submission were not run: only the solution cells are graded, so put all your code in them.");

        var shadowing = SubmissionCheck.FindShadowing(solutions, lockedCells).ToList();

        // What the solutions reach for: every use flagged; a way to forge a result voids the tests after it.
        var order = graded.Cells.Where(c => c.IsCode).Select(c => (Cell: c, Grading: GradingCell.All(graded).FirstOrDefault(g => g.Cell.Id == c.Id))).ToList();
        var reaching = SubmissionCheck.Reaching(order.Select(o => (o.Cell.Source, o.Grading?.Role == GradingRole.Solution ? o.Grading.GradeId : null)).ToList());
        foreach (var group in reaching.GroupBy(r => r.GradeId))
        {
            flags[group.Key] = group.Select(r => r.ToString()).ToList();
            if (group.FirstOrDefault(r => r.Forging) is not { } forging) continue;
            var at = order.FindIndex(o => o.Grading?.GradeId == group.Key);
            var later = order.Skip(at + 1).Where(o => o.Grading?.Role == GradingRole.Tests).Select(o => o.Grading!.GradeId).ToList();
            if (later.Count > 0)
                shadowing.Add(new Shadowing(forging.Symbol, group.Key, later, $"uses {forging.What} (line {forging.Line}), a way to forge results"));
        }
        return new AssembledNotebook(graded, notes, shadowing, flags);
    }
}
