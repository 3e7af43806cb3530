using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>What releasing one notebook produced.</summary>
public sealed record ReleasedNotebook(string Source, string Output, int SolutionCells, int TestCells, double Points);

/// <summary>
/// Student versions of instructor notebooks (nbgrader's "generate assignment"): solution regions
/// replaced by a stub that throws <see cref="NotImplementedException"/> (hints kept), hidden tests
/// removed, outputs cleared, and every other cell locked with a fingerprint of its released source.
/// </summary>
public static class Release
{
    public static NotebookDocument StudentVersion(NotebookDocument instructor)
    {
        var name = Path.GetFileName(instructor.SourcePath ?? "notebook.ipynb");
        Validate(instructor, name);
        var student = instructor.Clone();
        student.Metadata.Remove(NotebookRunner.RunMetadataKey);
        int number = 0;
        foreach (var cell in student.Cells)
        {
            number++;
            var where = $"{name}, cell {number} (id {cell.Id})";
            var graded = GradingCell.Of(cell);
            switch (graded.Role)
            {
                case GradingRole.Solution:
                    cell.Source = Regions.StubSolutions(cell.Source, graded.GradeId, where);
                    GradingCell.Write(cell, GradingRole.Solution, graded.GradeId, 0, null);
                    break;
                case GradingRole.Tests:
                    cell.Source = Regions.RemoveHiddenTests(cell.Source, where);
                    GradingCell.Write(cell, GradingRole.Tests, graded.GradeId, graded.Points, GradingCell.Fingerprint(cell));
                    break;
                default:
                    GradingCell.Write(cell, GradingRole.Locked, graded.GradeId, 0, GradingCell.Fingerprint(cell));
                    break;
            }
            if (!cell.IsCode) continue;
            cell.Json["outputs"] = new JsonArray();
            cell.Json["execution_count"] = null;
            cell.Metadata.Remove("execution");
        }
        AddWorkingNote(student);
        return student;
    }

    /// <summary>Tag of the markdown cell <see cref="AddWorkingNote"/> adds: not graded, not locked, the student's to read.</summary>
    public const string WorkingNoteTag = "release-note";

    /// <summary>
    /// Tells students, under the notebook's title, that an unsolved exercise stops Run All at its
    /// stub and how to run past it. A plain markdown cell (no nbgrader metadata): the grader builds
    /// from the instructor's notebook and takes only solution cells from a submission.
    /// </summary>
    static void AddWorkingNote(NotebookDocument student)
    {
        int exercises = GradingCell.All(student).Count(c => c.Role == GradingRole.Solution);
        if (exercises == 0) return;
        var text = $"""
            > **Working on this notebook.** It has {exercises} exercise{(exercises == 1 ? "" : "s")}: cells whose answer is a line `{Regions.Stub("…")}` until you write it.
            > **Run All stops at the first unsolved exercise** — an exception ends the run, so nothing below it executes.
            > To go on without solving it yet, run from the cell after it: in VS Code, select that cell and choose
            > **Execute Cell and Below** (the arrow beside the cell's run button); in Jupyter, **Run → Run Selected Cell and All Below**.
            > The cell after each exercise runs its visible tests (the grader adds hidden ones); come back to an exercise at any time.
            """;
        var taken = student.Cells.Select(c => c.Id).ToHashSet();
        var note = new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = NotebookDocument.NewCellId(taken),
            ["metadata"] = new JsonObject { ["tags"] = new JsonArray(WorkingNoteTag) },
            ["source"] = NotebookDocument.ToLines(text),
        };
        int afterTitle = student.Cells.Count > 0 && !student.Cells[0].IsCode ? 1 : 0;
        student.CellArray.Insert(afterTitle, note);
    }

    /// <summary>Writes the student version of <paramref name="instructorPath"/> into <paramref name="outputDirectory"/>.</summary>
    public static ReleasedNotebook Write(string instructorPath, string outputDirectory)
    {
        var instructor = NotebookDocument.Load(instructorPath);
        var student = StudentVersion(instructor);
        var output = Path.Combine(outputDirectory, Path.GetFileName(instructorPath));
        student.Save(output);
        var cells = GradingCell.All(instructor);
        return new ReleasedNotebook(instructorPath, output,
            cells.Count(c => c.Role == GradingRole.Solution), cells.Count(c => c.Role == GradingRole.Tests),
            cells.Where(c => c.Role == GradingRole.Tests).Sum(c => c.Points));
    }

    /// <summary>Checks what the grader relies on; errors name the notebook and cell.</summary>
    public static void Validate(NotebookDocument instructor, string name)
    {
        var seen = new Dictionary<string, int>();
        int number = 0;
        foreach (var graded in GradingCell.All(instructor))
        {
            number++;
            var where = $"{name}, cell {number} (id {graded.Cell.Id})";
            var source = graded.Cell.Source;
            if (graded.Role != GradingRole.Plain && seen.TryGetValue(graded.GradeId, out var first))
                throw new GradingFormatException($"{where}: grade_id '{graded.GradeId}' is also used by cell {first}; grade ids must be unique.");
            seen[graded.GradeId] = number;
            if (graded.Role != GradingRole.Solution && Regions.HasMarker(source, Regions.BeginSolution))
                throw new GradingFormatException($"{where}: has a // {Regions.BeginSolution} region but is not a solution cell (nbgrader metadata \"solution\": true).");
            if (graded.Role != GradingRole.Tests && Regions.HasMarker(source, Regions.BeginHidden))
                throw new GradingFormatException($"{where}: has hidden tests but is not a graded test cell (nbgrader metadata \"grade\": true).");
            if (graded.Role == GradingRole.Tests && !(graded.Points > 0))
                throw new GradingFormatException($"{where}: a graded test cell needs \"points\" > 0.");
            if (graded.Role is GradingRole.Solution or GradingRole.Tests && !graded.Cell.IsCode)
                throw new GradingFormatException($"{where}: solution and test cells must be code cells.");
            // Both throw a GradingFormatException on unbalanced markers.
            if (graded.Role == GradingRole.Solution) Regions.StubSolutions(source, graded.GradeId, where);
            if (graded.Role == GradingRole.Tests) Regions.RemoveHiddenTests(source, where);
        }
    }
}
