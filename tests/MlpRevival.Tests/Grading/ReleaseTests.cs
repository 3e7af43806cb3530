using System.Text.Json.Nodes;
using MlpRevival.Grading;
using MlpRevival.Notebooks.Format;
using MlpRevival.Tests.Notebooks.Format;

namespace MlpRevival.Tests.Grading;

/// <summary>course release: what a student gets, and the instructor mistakes it refuses.</summary>
public class ReleaseTests
{
    static NotebookDocument Instructor() => NotebookDocument.Parse(Assignment.Json(), "hw.ipynb");

    static NotebookCell ById(NotebookDocument notebook, string gradeId) =>
        notebook.Cells.Single(c => GradingCell.Of(c).GradeId == gradeId);

    static bool IsWorkingNote(NotebookCell cell) =>
        cell.Metadata["tags"]?.AsArray().Any(t => t?.GetValue<string>() == Release.WorkingNoteTag) == true;

    [Fact]
    public void Students_are_told_under_the_title_that_run_all_stops_at_an_unsolved_exercise_and_how_to_go_on()
    {
        var instructor = Instructor();
        var student = Release.StudentVersion(instructor);
        Assert.Equal(instructor.Cells.Count + 1, student.Cells.Count);
        var note = Assert.Single(student.Cells, IsWorkingNote);
        Assert.Equal(1, student.Cells.ToList().FindIndex(IsWorkingNote));                  // right under the title
        Assert.False(note.IsCode);
        Assert.Null(note.Metadata["nbgrader"]);                                             // not graded, not a cell the grader compares
        int exercises = GradingCell.All(instructor).Count(c => c.Role == GradingRole.Solution);
        Assert.Contains($"It has {exercises} exercises", note.Source);
        Assert.Contains("Run All stops at the first unsolved exercise", note.Source);
        Assert.Contains("Execute Cell and Below", note.Source);
        Assert.Contains("Run Selected Cell and All Below", note.Source);
        // The stub the note quotes is the one students get.
        Assert.Contains(Regions.Stub("…"), note.Source);

        // A notebook without exercises gets no note.
        var plain = NotebookDocument.Parse("""{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# Title"}]}""", "plain.ipynb");
        Assert.DoesNotContain(Release.StudentVersion(plain).Cells, IsWorkingNote);
    }

    [Fact]
    public void Solutions_become_a_throwing_stub_that_keeps_the_hints_and_the_signature()
    {
        var student = Release.StudentVersion(Instructor());
        var square = ById(student, "square").Source;
        Assert.DoesNotContain("x * x", square);
        Assert.DoesNotContain("BEGIN SOLUTION", square);
        Assert.Equal(
            "static long Square(long x)\n{\n    // Hint: multiply x by itself.\n    " + Regions.Stub("square") + "\n}",
            square);
        Assert.Contains("NotImplementedException", ById(student, "sum").Source);
        Assert.True(GradingCell.Of(ById(student, "square")).Role == GradingRole.Solution);
    }

    [Fact]
    public void Hidden_tests_are_removed_and_visible_tests_kept()
    {
        var student = Release.StudentVersion(Instructor());
        var tests = ById(student, "square-tests").Source;
        Assert.Equal("Check.Equal(9L, Square(3), \"Square(3)\");", tests);
        Assert.DoesNotContain(student.Cells, c => c.Source.Contains("HIDDEN", StringComparison.Ordinal) || c.Source.Contains("5050", StringComparison.Ordinal));
        Assert.Equal(2.0, GradingCell.Of(ById(student, "square-tests")).Points);
    }

    [Fact]
    public void Every_non_solution_cell_is_locked_with_the_fingerprint_of_its_released_source()
    {
        var student = Release.StudentVersion(Instructor());
        foreach (var cell in student.Cells.Where(c => !IsWorkingNote(c)))
        {
            var graded = GradingCell.Of(cell);
            if (graded.Role == GradingRole.Solution) { Assert.Null(graded.Checksum); continue; }
            Assert.True(graded.Role is GradingRole.Locked or GradingRole.Tests, cell.Id);
            Assert.Equal(GradingCell.Fingerprint(cell), graded.Checksum);
            Assert.True(cell.Metadata["nbgrader"]!["locked"]!.GetValue<bool>());
        }
        // The fingerprint ignores line-ending and trailing-space noise, and sees real edits.
        var tests = ById(student, "square-tests");
        var before = GradingCell.Fingerprint(tests);
        tests.Source = tests.Source.Replace("\n", "\r\n") + "  ";
        Assert.Equal(before, GradingCell.Fingerprint(tests));
        tests.Source = tests.Source.Replace("9L", "0L");
        Assert.NotEqual(before, GradingCell.Fingerprint(tests));
    }

    [Fact]
    public void Outputs_and_run_metadata_are_cleared()
    {
        var instructor = Instructor();
        foreach (var cell in instructor.Cells.Where(c => c.IsCode))
        {
            cell.Outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "old" });
            cell.Json["execution_count"] = 3;
        }
        instructor.Metadata["mlp_revival"] = new JsonObject { ["status"] = "ok" };
        var student = Release.StudentVersion(instructor);
        Assert.All(student.Cells.Where(c => c.IsCode), c => { Assert.Empty(c.Outputs); Assert.Null(c.Json["execution_count"]); });
        Assert.Null(student.Metadata["mlp_revival"]);
        Assert.Empty(NbformatValidator.Problems(student.ToJson()));
    }

    [Theory]
    [InlineData("static int F() {\n// BEGIN SOLUTION\nreturn 1;\n}", "has no // END SOLUTION")]
    [InlineData("static int F() {\nreturn 1;\n}", "needs a // BEGIN SOLUTION")]
    [InlineData("// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION", "inside another")]
    public void A_malformed_solution_cell_is_refused_naming_the_cell(string source, string expected)
    {
        var instructor = Instructor();
        ById(instructor, "square").Source = source;
        var error = Assert.Throws<GradingFormatException>(() => Release.StudentVersion(instructor));
        Assert.Contains(expected, error.Message);
        Assert.Contains("hw.ipynb, cell 4", error.Message);
    }

    [Fact]
    public void Hidden_tests_outside_a_test_cell_and_duplicate_ids_are_refused()
    {
        var instructor = Instructor();
        instructor.Cells[2].Source = "var n = 3;\n// BEGIN HIDDEN TESTS\n// END HIDDEN TESTS";
        Assert.Contains("not a graded test cell", Assert.Throws<GradingFormatException>(() => Release.StudentVersion(instructor)).Message);

        instructor = Instructor();
        ById(instructor, "sum-tests").Metadata["nbgrader"]!["grade_id"] = "square-tests";
        Assert.Contains("also used by cell 5", Assert.Throws<GradingFormatException>(() => Release.StudentVersion(instructor)).Message);

        instructor = Instructor();
        ById(instructor, "sum-tests").Metadata["nbgrader"]!["points"] = 0;
        Assert.Contains("points", Assert.Throws<GradingFormatException>(() => Release.StudentVersion(instructor)).Message);
    }

    [Fact]
    public void Shadowing_finds_declarations_that_change_what_tests_call()
    {
        var instructorSolution = Assignment.SquareSolution;
        var tests = new[] { ("setup", "var expected = 4L;"), ("square-tests", "Check.Equal(9L, Square(3), \"x\");\nCheck.Equal(expected, Square(2), \"y\");") };
        Assert.Empty(SubmissionCheck.FindShadowing([("square", instructorSolution, "static long Square(long x) => x * x;\nstatic long Helper() => 1;")], tests));

        var found = SubmissionCheck.FindShadowing([("square", instructorSolution, "static long Square(long x) => x * x;\nstatic class Check { }")], tests);
        Assert.Equal("Check", Assert.Single(found).Name);
        Assert.Equal(["square-tests"], found[0].AffectedGradeIds);

        Assert.Equal("Check", Assert.Single(SubmissionCheck.FindShadowing([("square", instructorSolution, "using Check = System.Console;\nstatic long Square(long x) => x;")], tests)).Name);
        Assert.Equal("expected", Assert.Single(SubmissionCheck.FindShadowing([("square", instructorSolution, "var expected = 0;\nstatic long Square(long x) => x;")], tests)).Name);
        Assert.Single(SubmissionCheck.FindShadowing([("square", instructorSolution, "using static System.Math;\nstatic long Square(long x) => x;")], tests));
    }

    [Theory]
    [InlineData("submissions")]
    [InlineData("submissions/alice")]
    [InlineData("notebooks")]
    public async Task Grading_into_the_submissions_or_the_instructor_folder_is_refused(string outFolder)
    {
        var (course, notebook) = Assignment.WriteInstructor();
        var alice = Directory.CreateDirectory(Path.Combine(course, "submissions", "alice")).FullName;
        var submitted = Path.Combine(alice, "hw.ipynb");
        await File.WriteAllTextAsync(submitted, Assignment.Json());
        var before = Directory.GetFileSystemEntries(course, "*", SearchOption.AllDirectories).Order().ToList();

        var run = await CourseProcess.RunAsync(["grade", Path.Combine(course, "submissions"), "--source", notebook, "--out", Path.Combine(course, outFolder)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Choose another folder", run.Stderr);
        Assert.Equal(before, Directory.GetFileSystemEntries(course, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Equal(Assignment.Json(), await File.ReadAllTextAsync(submitted));
    }
}
