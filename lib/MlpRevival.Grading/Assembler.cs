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
                var reaching = SubmissionCheck.Flags(source);
                if (reaching.Count > 0) flags[cell.GradeId] = reaching;
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

        var shadowing = SubmissionCheck.FindShadowing(solutions, lockedCells);
        return new AssembledNotebook(graded, notes, shadowing, flags);
    }
}
