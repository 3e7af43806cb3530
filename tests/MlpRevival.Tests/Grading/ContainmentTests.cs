using System.Text.Json.Nodes;
using MlpRevival.Grading;
using MlpRevival.Notebooks.Format;
using MlpRevival.Tests.Notebooks.Format;

namespace MlpRevival.Tests.Grading;

/// <summary>
/// Grades one class of submissions once — a correct one, an untouched release, and one hostile
/// submission per attack — through `course grade`, as an instructor runs it. Each attack must
/// leave every reported grade as the honest tests make it, and come with a clear reason.
/// </summary>
public sealed class GradedClass : IAsyncLifetime
{
    public const string Correct = "a-correct";
    public static readonly string Square = "static long Square(long x) => x * x;";
    public static readonly string Sum = "static long SumTo(int k) => (long)k * (k + 1) / 2;";

    public string Course { get; private set; } = "";
    public string Output { get; private set; } = "";
    public string InstructorNotebook { get; private set; } = "";
    internal CourseProcess.Outcome Run { get; private set; } = null!;
    public GradeReport Report { get; private set; } = null!;

    /// <summary>Student → (square, sum) solution sources; null keeps the release stub.</summary>
    public Dictionary<string, (string? Square, string? Sum)> Students() => new()
    {
        [Correct] = (Square, Sum),
        ["b-untouched"] = (null, null),
        ["c-exit"] = ("static long Square(long x) { Environment.Exit(0); return 0; }", Sum),
        ["d-infinite-loop"] = (Square, "static long SumTo(int k) { while (true) { } }"),
        ["e-memory-bomb"] = ("static long Square(long x) { var hoard = new List<long[]>(); while (true) hoard.Add(new long[10_000_000]); }", Sum),
        ["f-native-memory-bomb"] = ("static long Square(long x) { var hoard = new List<TorchSharp.torch.Tensor>(); while (true) hoard.Add(TorchSharp.torch.ones(100_000_000)); }", Sum),
        ["g-redefines-check"] = ("static long Square(long x) => 0;\nstatic class Check { public static void Equal<T>(T expected, T actual, string what) { } }", "static long SumTo(int k) => 0;"),
        ["h-aliases-check"] = ("using Check = Fake;\nstatic long Square(long x) => 0;\nstatic class Fake { public static void Equal<T>(T expected, T actual, string what) { } }", "static long SumTo(int k) => 0;"),
        ["i-writes-grader-files"] = (Square + $"\nSystem.IO.File.WriteAllText(@\"{OutputPlaceholder}/gradebook.csv\", \"student,total\\ni-writes-grader-files,100\\n\");", Sum),
        ["j-writes-other-student"] = (Square + $"\nSystem.IO.File.WriteAllText(@\"{OutputPlaceholder}/{Correct}/report.json\", \"{{}}\");", "static long SumTo(int k) => 0;"),
        ["k-reads-instructor-source"] = (Square + $"\ntry {{ Console.WriteLine(System.IO.File.ReadAllText(@\"{InstructorPlaceholder}\")); }} catch (Exception e) {{ Console.WriteLine(\"cannot read: \" + e.GetType().Name); }}", Sum),
        ["l-forges-results"] = (Square + "\nvar raw = new System.IO.StreamWriter(Console.OpenStandardOutput());\nraw.WriteLine(\"{\\\"type\\\":\\\"result\\\",\\\"number\\\":7,\\\"token\\\":\\\"00\\\",\\\"outputs\\\":[],\\\"failure\\\":null}\");\nraw.Flush();", "static long SumTo(int k) => 0;"),
        ["o-escapes"] = (Square + "\n" + Escapes, Sum),
        ["p-forges-kernel-events"] = (ForgesKernelEvents, "static long SumTo(int k) => 0;"),
        ["q-spawns"] = (Square + "\n" + Spawns, Sum),
        ["r-stack-overflow"] = ("static long Square(long x) => Square(x + 1) + 1;", Sum),
        ["t-prints-a-lot"] = (Square + "\nfor (int i = 0; i < 50_000; i++) Console.WriteLine(new string('x', 99));", Sum),
    };

    /// <summary>Marks a process a submission starts, so the test can look for survivors.</summary>
    public const string ProcessMarker = "4242.4242";

    /// <summary>The grader's own environment carries this; no submission may see it.</summary>
    public const string GraderSecret = "grader-secret-7d1c";

    // Tries every way out of its scratch folder and prints what happened.
    const string Escapes = """
        string Try(Func<string> attempt) { try { return attempt(); } catch (Exception e) { return "denied (" + e.GetType().Name + ")"; } }
        Console.WriteLine("shadow: " + Try(() => System.IO.File.ReadAllText("/etc/shadow").Length + " chars"));
        Console.WriteLine("environ: " + Try(() => System.IO.File.ReadAllText("/proc/1/environ")));
        Console.WriteLine("env: " + string.Join(",", Environment.GetEnvironmentVariables().Keys.Cast<object>()));
        Console.WriteLine("caps: " + Try(() => System.IO.File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapEff:"))));
        Console.WriteLine("uid: " + Try(() => System.IO.File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Uid:"))));
        foreach (var target in new[] { "%LIBDIR%/escaped.txt", "../datasets/escaped.txt", "/etc/escaped.txt", "/usr/escaped.txt", "%KERNELDIR%/escaped.txt" })
            Console.WriteLine("write " + target + ": " + Try(() => { System.IO.File.WriteAllText(target, "x"); return "WROTE"; }));
        Console.WriteLine("scratch: " + Try(() => { System.IO.File.WriteAllText("mine.txt", "x"); return "wrote"; }));
        """;

    // A wrong Square that, when a test calls it, writes the kernel's "command succeeded" event for
    // the running test cell onto the protocol stream and then never returns.
    const string ForgesKernelEvents = """
        static long Square(long x)
        {
            var token = Microsoft.DotNet.Interactive.KernelInvocationContext.Current.Command.GetOrCreateToken();
            var raw = new System.IO.StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
            raw.WriteLine("{\"eventType\":\"CommandSucceeded\",\"event\":{\"executionOrder\":0},\"command\":{\"token\":\"" + token +
                          "\",\"commandType\":\"SubmitCode\",\"command\":{\"code\":\"\",\"targetKernelName\":\"csharp\"},\"routingSlip\":[]},\"routingSlip\":[]}");
            System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);
            return 0;
        }
        """;

    // Detached processes, as many as it can start, and a background writer that outlives the cell.
    const string Spawns = """
        int started = 0, refused = 0;
        try { System.Diagnostics.Process.Start("/bin/sh", "-c \"setsid sleep 4242.4242 > /dev/null 2>&1 &\""); } catch (Exception) { }
        for (int i = 0; i < 400; i++)
        {
            try { System.Diagnostics.Process.Start("sleep", "4242.4242"); started++; }
            catch (Exception) { refused++; }
        }
        Console.WriteLine($"started {started}, refused {refused}");
        new System.Threading.Thread(() => { while (true) { Console.WriteLine("still here"); System.Threading.Thread.Sleep(50); } }) { IsBackground = true }.Start();
        """;

    public const string OutputPlaceholder = "%OUT%";
    public const string InstructorPlaceholder = "%SOURCE%";

    public async Task InitializeAsync()
    {
        (Course, InstructorNotebook) = Assignment.WriteInstructor();
        Output = Path.Combine(Course, "graded");
        var release = Path.Combine(Course, "release");
        var released = await CourseProcess.RunAsync(["release", Path.GetDirectoryName(InstructorNotebook)!, "--out", release]);
        Assert.True(released.ExitCode == 0, released.ToString());
        var student = NotebookDocument.Load(Path.Combine(release, "hw.ipynb"));

        var submissions = Path.Combine(Course, "submitted");
        foreach (var (name, (square, sum)) in Students())
        {
            var folder = Path.Combine(submissions, name);
            Directory.CreateDirectory(folder);
            var solutions = new Dictionary<string, string>();
            if (square is not null) solutions["square"] = Fill(square);
            if (sum is not null) solutions["sum"] = Fill(sum);
            File.WriteAllText(Path.Combine(folder, "hw.ipynb"), Assignment.Submission(student, solutions));
        }
        // A notebook that is a symbolic link, to the instructor's source with its solutions.
        Directory.CreateDirectory(Path.Combine(submissions, "s-symlink"));
        File.CreateSymbolicLink(Path.Combine(submissions, "s-symlink", "hw.ipynb"), InstructorNotebook);
        Directory.CreateDirectory(Path.Combine(submissions, "m-malformed"));
        File.WriteAllText(Path.Combine(submissions, "m-malformed", "hw.ipynb"), "{\"cells\": [");
        Directory.CreateDirectory(Path.Combine(submissions, "n-empty-folder"));

        // Graded on a saturated machine: two busy threads for the whole run, so every limit is
        // shown to hold under load (and no outcome depends on a lucky scheduler).
        using var busy = new CancellationTokenSource();
        var burners = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() => { while (!busy.IsCancellationRequested) { } },
            TaskCreationOptions.LongRunning)).ToList();
        try
        {
            Run = await CourseProcess.RunAsync(
                ["grade", submissions, "--source", InstructorNotebook, "--out", Output, "--profile", "quick",
                 "--cell-timeout", "20", "--wall-time", "180", "--memory", "1500"],
                limit: TimeSpan.FromMinutes(15), environment: new Dictionary<string, string> { ["MLP_REVIVAL_TEST_SECRET"] = GraderSecret });
        }
        finally
        {
            busy.Cancel();
            await Task.WhenAll(burners);
        }
        Assert.True(Run.ExitCode == 0, Run.ToString());
        Report = GradeReport.FromJson(File.ReadAllText(Path.Combine(Output, "grades.json")));
    }

    string Fill(string source) => source.Replace(OutputPlaceholder, Output).Replace(InstructorPlaceholder, InstructorNotebook)
        .Replace("%LIBDIR%", Path.GetDirectoryName(Repo.LibraryAssembly)).Replace("%KERNELDIR%", TestKernel.Layout.Directory);

    public Task DisposeAsync() => Task.CompletedTask;

    public StudentGrade Student(string name) => Report.Students.Single(s => s.Student == name);

    public double Points(string student, string test) => Student(student).Notebooks.Single().Tests.Single(t => t.GradeId == test).Points;
}

public class ContainmentTests(GradedClass graded) : IClassFixture<GradedClass>
{
    const string SquareTests = "square-tests", SumTests = "sum-tests";

    string Reasons(string student) => string.Join("\n", graded.Student(student).Reasons);

    [Fact]
    public void Submissions_run_isolated_by_bubblewrap_where_linux_offers_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.StartsWith("bubblewrap", graded.Report.Sandbox);
    }

    [Fact]
    public void A_correct_submission_gets_full_marks_and_an_untouched_release_gets_zero_without_a_crash()
    {
        Assert.Equal(5, graded.Student(GradedClass.Correct).Score);
        Assert.Equal(5, graded.Student(GradedClass.Correct).MaxScore);
        var untouched = graded.Student("b-untouched");
        Assert.Equal(0, untouched.Score);
        Assert.All(untouched.Notebooks.Single().Tests, t => Assert.Contains("NotImplementedException", t.Message));
        Assert.Null(untouched.Notebooks.Single().Stopped);
    }

    [Fact]
    public void Environment_Exit_ends_only_that_submission_with_a_reason()
    {
        Assert.Equal(0, graded.Student("c-exit").Score);
        Assert.Contains("ended (exit code 0)", Reasons("c-exit"));
        Assert.Contains("Environment.Exit", Reasons("c-exit"));
    }

    [Fact]
    public void An_infinite_loop_times_out_its_cell_and_the_rest_is_still_graded()
    {
        Assert.Equal(2, graded.Points("d-infinite-loop", SquareTests));
        Assert.Equal(0, graded.Points("d-infinite-loop", SumTests));
        Assert.Contains("Timed out after 20 s", Reasons("d-infinite-loop"));
    }

    [Fact]
    public void A_managed_memory_bomb_fails_its_test_and_the_rest_is_still_graded()
    {
        Assert.Equal(0, graded.Points("e-memory-bomb", SquareTests));
        Assert.Equal(3, graded.Points("e-memory-bomb", SumTests));
        Assert.Contains("OutOfMemoryException", Reasons("e-memory-bomb"));
    }

    [Fact]
    public void A_native_memory_bomb_fails_its_test_at_the_memory_limit_and_the_rest_is_still_graded()
    {
        // RLIMIT_DATA: libtorch's allocation fails inside the test that called the bomb, whatever
        // the load (a sampled resident-memory limit let it run on past a timeout).
        Assert.Equal(0, graded.Points("f-native-memory-bomb", SquareTests));
        Assert.Equal(3, graded.Points("f-native-memory-bomb", SumTests));
        Assert.Contains("can't allocate memory", Reasons("f-native-memory-bomb"));
        Assert.Contains("memory limit, 1500 MiB", Reasons("f-native-memory-bomb"));
        Assert.Null(graded.Student("f-native-memory-bomb").Notebooks.Single().Stopped);
    }

    [Theory]
    [InlineData("g-redefines-check")]
    [InlineData("h-aliases-check")]
    public void Redefining_the_assertion_helpers_scores_the_tests_that_use_them_zero(string student)
    {
        Assert.Equal(0, graded.Student(student).Score);
        Assert.All(graded.Student(student).Notebooks.Single().Tests, t => Assert.Equal(TestScore.Compromised, t.Status));
        Assert.Contains("'Check'", Reasons(student));
    }

    [Fact]
    public void Writing_to_the_grader_output_or_another_students_files_changes_nothing()
    {
        var gradebook = File.ReadAllText(Path.Combine(graded.Output, "gradebook.csv"));
        Assert.DoesNotContain("i-writes-grader-files,100", gradebook);
        Assert.Equal(5, graded.Student("i-writes-grader-files").Score);     // its honest score: the write failed, the tests passed
        var correct = System.Text.Json.JsonSerializer.Deserialize<StudentGrade>(
            File.ReadAllText(Path.Combine(graded.Output, GradedClass.Correct, "report.json")), GradeReport.Json)!;
        Assert.Equal(5, correct.Score);
        Assert.Equal(2, graded.Student("j-writes-other-student").Score);
        // Every student appears once in the gradebook, with the score grades.json has.
        foreach (var student in graded.Report.Students)
            Assert.Single(gradebook.Split('\n'), l => l.StartsWith(student.Student + ",", StringComparison.Ordinal));
    }

    [Fact]
    public void The_instructor_source_and_hidden_tests_are_out_of_reach()
    {
        var feedback = File.ReadAllText(Path.Combine(graded.Output, "k-reads-instructor-source", "hw.ipynb"));
        if (graded.Report.Sandbox.StartsWith("bubblewrap", StringComparison.Ordinal))
            Assert.Contains("cannot read: DirectoryNotFoundException", feedback);
        Assert.DoesNotContain("5050L", feedback);
        Assert.DoesNotContain("rng.Next(-1000, 1000)", feedback);
        Assert.Equal(5, graded.Student("k-reads-instructor-source").Score);
        // No feedback notebook carries the hidden tests' code.
        foreach (var file in Directory.GetFiles(graded.Output, "hw.ipynb", SearchOption.AllDirectories))
            Assert.DoesNotContain("BEGIN HIDDEN TESTS", File.ReadAllText(file));
    }

    [Fact]
    public void Writing_the_raw_protocol_stream_voids_the_tests_after_it()
    {
        // The line itself is ignored (not a kernel message); the route is what counts.
        Assert.Equal(0, graded.Student("l-forges-results").Score);
        Assert.All(graded.Student("l-forges-results").Notebooks.Single().Tests, t => Assert.Equal(TestScore.Compromised, t.Status));
        Assert.Contains("the raw standard streams", Reasons("l-forges-results"));
        Assert.Contains("forge", Reasons("l-forges-results"));
    }

    [Fact]
    public void A_forged_command_succeeded_event_for_the_running_test_scores_nothing()
    {
        // Without the semantic check the forged event carries the right token and the wrong
        // Square would pass: the route (the kernel's invocation context, the raw stream) voids it.
        var student = graded.Student("p-forges-kernel-events");
        Assert.Equal(0, student.Score);
        Assert.All(student.Notebooks.Single().Tests, t => Assert.Equal(TestScore.Compromised, t.Status));
        Assert.Contains("reaches into the kernel", Reasons("p-forges-kernel-events"));
        Assert.Contains("Microsoft.DotNet.Interactive.", string.Join("\n", student.Notebooks.Single().Flags.SelectMany(f => f.Value)));
    }

    [Fact]
    public void As_root_or_not_a_submission_cannot_leave_its_scratch_folder_read_secrets_or_keep_capabilities()
    {
        var feedback = File.ReadAllText(Path.Combine(graded.Output, "o-escapes", "hw.ipynb"));
        Assert.Contains("shadow: denied", feedback);
        Assert.Contains("environ: denied", feedback);
        Assert.DoesNotContain(GradedClass.GraderSecret, feedback);
        Assert.DoesNotContain("MLP_REVIVAL_TEST_SECRET", feedback);
        Assert.Contains("CapEff:\\t0000000000000000", feedback);
        Assert.DoesNotContain("escaped.txt: WROTE", feedback);
        Assert.Contains("scratch: wrote", feedback);
        if (Environment.IsPrivilegedProcess) Assert.Contains($"Uid:\\t{Sandbox.Nobody}", feedback);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(Repo.LibraryAssembly)!, "escaped.txt")));
        Assert.False(File.Exists(Path.Combine(TestKernel.Layout.Directory, "escaped.txt")));
        Assert.False(File.Exists("/etc/escaped.txt"));
        Assert.Equal(["README"], Directory.GetFiles(Path.Combine(graded.Course, "datasets")).Select(Path.GetFileName));
        Assert.Equal(5, graded.Student("o-escapes").Score);          // it tried, nothing happened: the honest score
        Assert.Contains("files outside", Reasons("o-escapes"));        // and the file access is flagged for review
    }

    [Fact]
    public void Processes_a_submission_starts_end_with_it_and_their_number_is_limited()
    {
        var survivors = System.Diagnostics.Process.GetProcesses().Where(p =>
        {
            try { return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(GradedClass.ProcessMarker, StringComparison.Ordinal); }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }).ToList();
        Assert.Empty(survivors);
        var spawns = graded.Student("q-spawns").Notebooks.Single();
        Assert.True(spawns.Seconds < 180, $"{spawns.Seconds} s");
        Assert.Contains("starts or controls processes", Reasons("q-spawns"));
        Assert.Contains("threads, tasks or timers", Reasons("q-spawns"));
        if (graded.Report.Sandbox.Contains("runs as nobody", StringComparison.Ordinal))
        {
            var feedback = File.ReadAllText(Path.Combine(graded.Output, "q-spawns", "hw.ipynb"));
            var refused = System.Text.RegularExpressions.Regex.Match(feedback, @"started (\d+), refused (\d+)");
            Assert.True(refused.Success && int.Parse(refused.Groups[2].Value) > 0, $"not limited: {refused.Value}");
            Assert.True(int.Parse(refused.Groups[1].Value) < Sandbox.MaxProcesses, refused.Value);
        }
    }

    [Fact]
    public void A_stack_overflow_is_reported_as_such()
    {
        Assert.Equal(0, graded.Points("r-stack-overflow", SquareTests));
        Assert.Contains("stack overflow", Reasons("r-stack-overflow"));
    }

    [Fact]
    public void A_submitted_notebook_that_is_a_symbolic_link_is_not_followed()
    {
        Assert.Equal(0, graded.Student("s-symlink").Score);
        Assert.Contains("symbolic link", Reasons("s-symlink"));
        Assert.Null(graded.Student("s-symlink").Notebooks.Single().Feedback);
    }

    [Fact]
    public void A_cell_printing_5_MB_keeps_its_first_part_with_a_note_and_is_graded()
    {
        Assert.Equal(5, graded.Student("t-prints-a-lot").Score);
        var feedback = File.ReadAllText(Path.Combine(graded.Output, "t-prints-a-lot", "hw.ipynb"));
        Assert.Contains("[output truncated: this cell produced", feedback);
        Assert.True(feedback.Length < 12_000_000, $"{feedback.Length:N0} characters of feedback");
    }

    [Fact]
    public void A_malformed_or_missing_submission_scores_zero_with_a_reason_and_the_others_are_graded()
    {
        Assert.Equal(0, graded.Student("m-malformed").Score);
        Assert.Contains("could not be read: invalid JSON", Reasons("m-malformed"));
        Assert.Equal(0, graded.Student("n-empty-folder").Score);
        Assert.Contains("No hw.ipynb in the submission", Reasons("n-empty-folder"));
        Assert.Equal(graded.Students().Count + 3, graded.Report.Students.Count);
    }

    [Fact]
    public void Every_student_gets_an_executed_feedback_notebook_a_report_and_a_row()
    {
        foreach (var student in graded.Report.Students.Where(s => s.Notebooks.Single().Feedback is not null))
        {
            var feedback = NotebookDocument.Load(Path.Combine(graded.Output, student.Student, "hw.ipynb"));
            Assert.StartsWith("# Feedback: ", feedback.Cells[0].Source);
            Assert.Empty(NbformatValidator.Problems(feedback.ToJson()));
            Assert.True(File.Exists(Path.Combine(graded.Output, student.Student, "hw.html")));
            Assert.True(File.Exists(Path.Combine(graded.Output, student.Student, "report.json")));
        }
        var correct = NotebookDocument.Load(Path.Combine(graded.Output, GradedClass.Correct, "hw.ipynb"));
        var squareTests = correct.Cells.Single(c => c.Metadata["nbgrader"]?["grade_id"]?.GetValue<string>() == SquareTests);
        Assert.Contains(squareTests.Outputs.OfType<JsonObject>(), o => o.ToJsonString().Contains("square-tests: passed, 2/2 points"));
        Assert.Contains("✓ Square(3) = 9", correct.ToJson());
        var csv = File.ReadAllLines(Path.Combine(graded.Output, "gradebook.csv"));
        Assert.Equal("student,hw/square-tests,hw/sum-tests,total,max,notes", csv[0]);
        Assert.StartsWith($"{GradedClass.Correct},2,3,5,5,", csv[1]);
        Assert.True(File.Exists(Path.Combine(graded.Output, "summary.html")));
    }
}
