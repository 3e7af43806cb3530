using MlpRevival.Grading;
using MlpRevival.Notebooks.Format;
using MlpRevival.Tests.Notebooks;

namespace MlpRevival.Tests.Grading;

/// <summary>
/// The course's own exercises, end to end: release notebooks/, fill every stub back in with the
/// instructor's solution — full marks; hand in the untouched release — zero for every exercise,
/// and no crash. Graded in the quick profile, as instructors are told to.
/// </summary>
public class CourseRoundTripTests
{
    static IReadOnlyList<string> GradedNotebooks() =>
        Directory.GetFiles(Repo.Path_("notebooks"), "*.ipynb").Order(StringComparer.Ordinal)
            .Where(p => GradingCell.IsGraded(NotebookDocument.Load(p))).ToList();

    [Fact]
    public void Every_lesson_notebook_has_at_least_three_graded_exercises()
    {
        // Lessons are 01-… to 09-… (00-setup has no exercises). Directory.GetFiles has no [1-9] wildcard.
        var lessons = Directory.GetFiles(Repo.Path_("notebooks"), "0*-*.ipynb")
            .Where(p => Path.GetFileName(p)[1] is >= '1' and <= '9').Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(lessons);
        foreach (var path in lessons)
        {
            var cells = GradingCell.All(NotebookDocument.Load(path));
            var solutions = cells.Where(c => c.Role == GradingRole.Solution).ToList();
            var tests = cells.Where(c => c.Role == GradingRole.Tests).ToList();
            Assert.True(solutions.Count >= 3, $"{Path.GetFileName(path)} has {solutions.Count} exercises");
            Assert.True(tests.Count >= 3, $"{Path.GetFileName(path)} has {tests.Count} graded test cells");
            Assert.All(tests, t => Assert.True(Regions.HiddenTestLines(t.Cell.Source).Count > 0, $"{Path.GetFileName(path)}: {t.GradeId} has no hidden tests"));
            Release.Validate(NotebookDocument.Load(path), Path.GetFileName(path));
        }
    }

    [Fact]
    public async Task Released_then_solved_scores_full_marks_and_untouched_scores_zero()
    {
        var notebooks = GradedNotebooks();
        Assert.NotEmpty(notebooks);
        var work = TestNotebooks.TempFolder();
        var release = Path.Combine(work, "release");
        var released = await CourseProcess.RunAsync(["release", .. notebooks, "--out", release]);
        Assert.True(released.ExitCode == 0, released.ToString());

        var submitted = Path.Combine(work, "submitted");
        foreach (var path in notebooks)
        {
            var name = Path.GetFileName(path);
            var student = NotebookDocument.Load(Path.Combine(release, name));
            Assert.DoesNotContain("BEGIN SOLUTION", student.ToJson());
            var solutions = GradingCell.All(NotebookDocument.Load(path)).Where(c => c.Role == GradingRole.Solution)
                .ToDictionary(c => c.GradeId, c => c.Cell.Source);
            Directory.CreateDirectory(Path.Combine(submitted, "solved"));
            Directory.CreateDirectory(Path.Combine(submitted, "untouched"));
            File.WriteAllText(Path.Combine(submitted, "solved", name), Assignment.Submission(student, solutions));
            File.WriteAllText(Path.Combine(submitted, "untouched", name), student.ToJson());
        }

        var output = Path.Combine(work, "graded");
        var run = await CourseProcess.RunAsync(["grade", submitted, "--source", .. notebooks, "--out", output, "--profile", "quick"],
            limit: TimeSpan.FromMinutes(15));
        Assert.True(run.ExitCode == 0, run.ToString());
        var report = GradeReport.FromJson(File.ReadAllText(Path.Combine(output, "grades.json")));

        var solved = report.Students.Single(s => s.Student == "solved");
        Assert.True(solved.Score == solved.MaxScore, string.Join("\n", solved.Reasons));
        Assert.True(solved.MaxScore > 0);
        var untouched = report.Students.Single(s => s.Student == "untouched");
        Assert.Equal(0, untouched.Score);
        foreach (var notebook in untouched.Notebooks)
        {
            Assert.Null(notebook.Stopped);
            Assert.All(notebook.Tests, t => Assert.True(t.Status == TestScore.Failed && t.Message!.Contains("NotImplementedException"),
                $"{notebook.Notebook}/{t.GradeId}: {t.Status} {t.Message}"));
        }
    }
}
