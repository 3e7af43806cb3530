using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Grading;

/// <summary>How to grade.</summary>
public sealed record GradeOptions
{
    public GradingLimits Limits { get; init; } = GradingLimits.Default;

    /// <summary>A profile of each notebook's parameters cell (e.g. quick), applied before grading.</summary>
    public string? Profile { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Data folders submissions may read (relative to the instructor's notebook folder); default ../datasets.</summary>
    public IReadOnlyList<string> DataFolders { get; init; } = ["../datasets"];

    /// <summary>Refuse to grade without bubblewrap isolation.</summary>
    public bool RequireIsolation { get; init; }

    /// <summary>The course kernel submissions run in (the one VS Code and `course run` use).</summary>
    public required KernelLayout Kernel { get; init; }

    /// <summary>Progress lines (one per notebook graded); null for silence.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// `course grade`: grades every student's submission against the instructor's notebooks.
/// Everything is read before any submission runs and the results are written from memory, so a
/// submission cannot change its own files' grades or anyone else's; each notebook of each student
/// runs in its own sandboxed worker (see <see cref="Sandbox"/>), and one broken submission never
/// stops the others.
/// </summary>
public static partial class Grader
{
    public static async Task<GradeReport> GradeAsync(string submissionsFolder, IReadOnlyList<string> instructorNotebooks, string outputFolder, GradeOptions options)
    {
        var sandbox = Sandbox.Detect(options.RequireIsolation);
        var assignment = instructorNotebooks.Select(path =>
        {
            var notebook = NotebookDocument.Load(path);
            Release.Validate(notebook, Path.GetFileName(path));
            return notebook;
        }).Where(GradingCell.IsGraded).ToList();
        if (assignment.Count == 0)
            throw new GradingFormatException("None of the instructor notebooks has a graded test cell (nbgrader metadata \"grade\": true).");

        var students = ReadSubmissions(submissionsFolder, assignment.Select(a => Path.GetFileName(a.SourcePath!)).ToList());
        var columns = assignment.SelectMany(a => GradingCell.All(a).Where(c => c.Role == GradingRole.Tests)
            .Select(c => Column(a, c.GradeId))).ToList();
        var grades = new List<StudentGrade>();
        var feedback = new Dictionary<(string, string), NotebookDocument>();
        foreach (var (student, files, linkNotes) in students)
        {
            var notebooks = new List<NotebookGrade>();
            foreach (var instructor in assignment)
            {
                var name = Path.GetFileName(instructor.SourcePath!);
                var (grade, executed) = await GradeNotebookAsync(instructor, name, files.GetValueOrDefault(name), sandbox, options);
                if (!files.ContainsKey(name) && linkNotes.FirstOrDefault(n => n.StartsWith(name, StringComparison.Ordinal) || n.StartsWith("The submission folder", StringComparison.Ordinal)) is { } linked)
                    grade = grade with { Notes = [linked, .. grade.Notes] };
                notebooks.Add(grade with { Feedback = executed is null ? null : Path.Combine(SafeName(student), name) });
                if (executed is not null) feedback[(student, name)] = executed;
                options.Log?.Invoke($"{student} · {name}: {grade.Score:0.##}/{grade.MaxScore:0.##}{(grade.Stopped is null ? "" : " (stopped: " + grade.Stopped + ")")}");
            }
            grades.Add(new StudentGrade(student, notebooks.Sum(n => n.Score), notebooks.Sum(n => n.MaxScore), notebooks));
        }

        var report = new GradeReport(sandbox.Description, DateTimeOffset.UtcNow, columns, grades);
        GradeFiles.Write(outputFolder, report, feedback);
        return report;
    }

    static string Column(NotebookDocument notebook, string gradeId) => $"{Path.GetFileNameWithoutExtension(notebook.SourcePath)}/{gradeId}";

    /// <summary>
    /// Each student's submitted files, read now: student folder → notebook name → text. Symbolic
    /// links are not followed — a student folder, subfolder or notebook that is a link (to the
    /// instructor's source, /etc/shadow, another student's work) is not read, and is noted.
    /// </summary>
    static List<(string Student, Dictionary<string, string> Files, List<string> Notes)> ReadSubmissions(string folder, IReadOnlyList<string> names)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no such submissions folder (expected one subfolder per student, each with the notebooks).");
        var noLinks = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, MatchCasing = MatchCasing.CaseSensitive };
        var result = new List<(string, Dictionary<string, string>, List<string>)>();
        foreach (var studentFolder in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var files = new Dictionary<string, string>();
            var notes = new List<string>();
            if (new DirectoryInfo(studentFolder).LinkTarget is not null)
            {
                notes.Add("The submission folder is a symbolic link; the grader does not follow links. Submit the files themselves.");
                result.Add((Path.GetFileName(studentFolder), files, notes));
                continue;
            }
            foreach (var name in names)
            {
                var found = Directory.EnumerateFiles(studentFolder, name, noLinks).Order(StringComparer.Ordinal).FirstOrDefault();
                if (found is null)
                {
                    if (Directory.EnumerateFileSystemEntries(studentFolder, name, new EnumerationOptions { RecurseSubdirectories = true }).Any())
                        notes.Add($"{name} in the submission is a symbolic link (or inside a linked folder); the grader does not follow links. Submit the file itself.");
                    continue;
                }
                try { files[name] = File.ReadAllText(found); }
                catch (IOException) { }
            }
            result.Add((Path.GetFileName(studentFolder), files, notes));
        }
        if (result.Count == 0) throw new DirectoryNotFoundException($"{folder}: no student folders in it (expected one subfolder per student).");
        return result;
    }

    static async Task<(NotebookGrade, NotebookDocument?)> GradeNotebookAsync(
        NotebookDocument instructor, string name, string? submittedText, Sandbox sandbox, GradeOptions options)
    {
        var tests = GradingCell.All(instructor).Where(c => c.Role == GradingRole.Tests).ToList();
        var max = tests.Sum(t => t.Points);
        NotebookGrade Zero(string why) => new(name, 0, max,
            tests.Select(t => new TestScore(t.GradeId, 0, t.Points, TestScore.NotRun, null)).ToList(),
            [why], null, [], new Dictionary<string, IReadOnlyList<string>>(), 0, null);

        if (submittedText is null) return (Zero($"No {name} in the submission."), null);
        NotebookDocument submission;
        try { submission = NotebookDocument.Parse(submittedText, name); }
        catch (MalformedNotebookException e) { return (Zero($"The submitted {name} could not be read: {e.Problem}."), null); }

        AssembledNotebook assembled;
        try { assembled = Assembler.Assemble(instructor, submission); }
        catch (GradingFormatException e) { return (Zero(e.Message), null); }

        NotebookDocument notebook;
        try { (notebook, _) = Parameters.Parameterize(assembled.Notebook, options.Profile, options.Parameters); }
        catch (ParameterException e) { throw new GradingFormatException($"{name}: {e.Message}"); }

        var folder = Path.GetDirectoryName(Path.GetFullPath(instructor.SourcePath!))!;
        var mounts = Sandbox.MountsFor(folder, ReferencedFiles(instructor), options.DataFolders);
        WorkerRun run;
        try { run = await SubmissionRunner.RunAsync(notebook, () => sandbox.KernelCommand(options.Kernel, options.Limits.MemoryBytes, folder, mounts), options.Limits); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return (Zero($"The grader could not run this submission: {e.Message}"), null);
        }

        var scores = tests.Select(t => Score(t, run, assembled.Shadowing, options.Limits)).ToList();
        var executed = Feedback.Build(notebook, instructor, run, scores, assembled);
        return (new NotebookGrade(name, scores.Sum(s => s.Points), max, scores, assembled.Notes, run.Stopped,
            assembled.Shadowing, assembled.Flags, Math.Round(run.Elapsed.TotalSeconds, 1), null), executed);
    }

    static TestScore Score(GradingCell test, WorkerRun run, IReadOnlyList<Shadowing> shadowing, GradingLimits limits)
    {
        if (shadowing.FirstOrDefault(s => s.AffectedGradeIds.Contains(test.GradeId)) is { } hidden)
            return new TestScore(test.GradeId, 0, test.Points, TestScore.Compromised,
                hidden.Why == Shadowing.HidesName
                    ? $"the submission declares '{hidden.Name}' in '{hidden.SolutionGradeId}', which changes what this test calls"
                    : $"'{hidden.SolutionGradeId}' {hidden.Why}: {hidden.Name}");
        if (!run.Results.TryGetValue(test.Cell.Id, out var result))
            return new TestScore(test.GradeId, 0, test.Points, TestScore.NotRun,
                run.Stopped is null ? "the cell did not run" : $"the cell did not run: {run.Stopped}");
        return result.Succeeded
            ? new TestScore(test.GradeId, test.Points, test.Points, TestScore.Passed, null)
            : new TestScore(test.GradeId, 0, test.Points, TestScore.Failed, Explain(result.FailureMessage, limits));
    }

    static string? FirstLine(string? text) => text?.Split('\n')[0];

    // An allocation that failed at the submission's memory limit says so, whichever allocator failed.
    static string? Explain(string? message, GradingLimits limits) =>
        message is not null && (message.Contains("OutOfMemoryException", StringComparison.Ordinal) ||
                                message.Contains("can't allocate memory", StringComparison.Ordinal) ||
                                message.Contains("Cannot allocate memory", StringComparison.Ordinal))
            ? $"{FirstLine(message)} (the submission reached its memory limit, {limits.MemoryBytes >> 20} MiB)"
            : FirstLine(message);

    /// <summary>Files the notebook references with a relative #r (its build outputs, to mount read-only).</summary>
    static IEnumerable<string> ReferencedFiles(NotebookDocument notebook) =>
        notebook.Cells.Where(c => c.IsCode)
            .SelectMany(c => c.Source.Split('\n'))
            .Select(l => FileReference().Match(l.Trim()))
            .Where(m => m.Success && !m.Groups["path"].Value.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Groups["path"].Value)
            .Distinct();

    /// <summary>A student id as a folder name.</summary>
    public static string SafeName(string student) => InvalidName().Replace(student, "_");

    [GeneratedRegex("""^#r\s+"(?<path>[^"]+)"\s*$""")]
    private static partial Regex FileReference();

    [GeneratedRegex(@"[^A-Za-z0-9._@-]")]
    private static partial Regex InvalidName();
}
