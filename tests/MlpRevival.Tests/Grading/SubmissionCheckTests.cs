using MlpRevival.Grading;

namespace MlpRevival.Tests.Grading;

/// <summary>
/// The semantic check of solution cells: symbols, not text. Each case is a way out of the cell's
/// job that a substring search misses or misnames; each must be found, with the right verdict.
/// </summary>
public class SubmissionCheckTests
{
    const string Setup = "#r \"../lib/MlpRevival/bin/net10.0/MlpRevival.dll\"\nusing MlpRevival;\nusing TorchSharp;";

    static IReadOnlyList<Reach> Check(string solution, string before = Setup) =>
        SubmissionCheck.Reaching([(before, null), (solution, "sol")]);

    [Theory]
    [InlineData("var p = System.Runtime.InteropServices.Marshal .AllocHGlobal(8);", "native code")]
    [InlineData("using M = System.Runtime.InteropServices.Marshal;\nvar p = M.AllocHGlobal(8);", "native code")]
    [InlineData("System.Runtime.InteropServices.NativeLibrary.Load(\"libc.so.6\");", "native code")]
    [InlineData("var raw = global::System.Console.OpenStandardOutput();", "the raw standard streams")]
    [InlineData("Console.SetIn(new System.IO.StringReader(\"\"));", "redirects or reads the console")]
    [InlineData("var line = Console.ReadLine();", "redirects or reads the console")]
    [InlineData("var t = Microsoft.DotNet.Interactive.KernelInvocationContext.Current;", "reaches into the kernel")]
    [InlineData("var k = Microsoft.DotNet.Interactive.Kernel.Root;", "reaches into the kernel")]
    [InlineData("var m = typeof(Check).GetMethod(\"Equal\");", "reflection")]
    [InlineData("Type t = typeof(int);\nvar ms = t.GetMethods();", "reflection")]
    [InlineData("var a = System.Reflection.Assembly.GetExecutingAssembly();", "reflection")]
    [InlineData("new System.Threading.Thread(() => { }).Start();", "threads, tasks or timers")]
    [InlineData("_ = Task.Run(() => 1);", "threads, tasks or timers")]
    [InlineData("var timer = new System.Threading.Timer(_ => { }, null, 0, 10);", "threads, tasks or timers")]
    [InlineData("System.Diagnostics.Process.Start(\"sh\");", "starts or controls processes")]
    [InlineData("static unsafe long Peek(long* p) => *p;", "unsafe code")]
    [InlineData("#r \"nuget: Something, 1.0.0\"\nvar x = 1;", "kernel directive")]
    public void Ways_to_forge_a_result_are_found_and_void_the_tests(string solution, string what)
    {
        var found = Check(solution).Where(r => r.What.Contains(what, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(found);
        Assert.All(found, r => Assert.True(r.Forging && r.GradeId == "sol", r.ToString()));
    }

    [Theory]
    [InlineData("var text = System.IO.File.ReadAllText(\"/etc/hostname\");", "files outside")]
    [InlineData("Environment.Exit(0);", "ends the kernel process")]
    [InlineData("var c = new System.Net.Http.HttpClient();", "the network")]
    public void Other_reaches_are_flagged_for_review_only(string solution, string what)
    {
        var reach = Assert.Single(Check(solution), r => r.What.Contains(what, StringComparison.Ordinal));
        Assert.False(reach.Forging, reach.ToString());
    }

    [Fact]
    public void An_honest_solution_reaches_for_nothing()
    {
        const string honest = """
            static long Square(long x) => x * x;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var t = torch.ones(3, 3).sum().item<float>();
            Console.WriteLine($"{Square(4)} {t} {sw.ElapsedMilliseconds}");
            display(42);
            var text = string.Join(",", new List<int> { 1, 2 }.Select(i => i.ToString()));
            var path = System.IO.Path.Combine("a", "b");
            try { throw new InvalidOperationException(); } catch (Exception e) { Console.WriteLine(e.GetType().Name + " " + typeof(int).FullName); }
            System.Threading.Thread.Sleep(1);
            var id = System.Threading.Thread.CurrentThread.ManagedThreadId;
            """;
        Assert.Empty(Check(honest));
    }

    [Fact]
    public void Names_resolve_through_earlier_cells_and_only_solution_cells_are_checked()
    {
        // The instructor's cell imports the namespace; the solution uses it unqualified.
        var found = SubmissionCheck.Reaching([
            (Setup + "\nusing System.Runtime.InteropServices;\nvar instructorPointer = Marshal.AllocHGlobal(1);", null),
            ("var p = Marshal.AllocHGlobal(8);", "sol"),
        ]);
        var reach = Assert.Single(found);
        Assert.Equal("sol", reach.GradeId);
        Assert.Equal(1, reach.Line);
        Assert.Contains("Marshal.AllocHGlobal", reach.Symbol);
    }
}
