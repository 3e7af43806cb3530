using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using MlpRevival.Notebooks.Kernels;
using static MlpRevival.Tests.Notebooks.TestNotebooks;
using MlpRevival.Tests.Notebooks.Format;

namespace MlpRevival.Tests.Notebooks.Execution;

/// <summary>A failing cell keeps its error, later cells do not run, and the message names cell and line.</summary>
public class FailureTests
{
    [Fact]
    public async Task A_compile_error_names_cell_and_line_and_stops_the_notebook()
    {
        var (nb, result) = await RunAsync([Markdown("# title"), Code("var a = 1;"), Code("var b = 2;\nvar c = b + missingName;"), Code("Console.WriteLine(\"later\");")]);
        var failure = Assert.IsType<CellFailure>(result.Failure);
        Assert.Equal(FailureKind.Compile, failure.Kind);
        Assert.Equal(3, failure.CellNumber);     // counting the markdown cell, as VS Code shows them
        Assert.Equal(2, failure.Line);
        Assert.Contains("CS0103", failure.Message);
        Assert.Contains("missingName", failure.Message);
        Assert.Contains("cell 3", result.Describe());
        Assert.Contains("line 2", result.Describe());

        var error = Assert.Single(nb.Outputs(2));
        Assert.Equal("error", error.Type());
        Assert.Contains("(2,13): error CS0103", error["evalue"]!.GetValue<string>());
        Assert.Empty(nb.Outputs(3));
        Assert.Null(nb.Cells[3].Json["execution_count"]);
    }

    [Fact]
    public async Task A_runtime_exception_names_the_cell_and_the_exception()
    {
        var (nb, result) = await RunAsync([Code("var x = 1;\nvar y = 2;\nthrow new InvalidOperationException(\"boom\");\n")]);
        var failure = result.Failure!;
        Assert.Equal(FailureKind.Runtime, failure.Kind);
        Assert.Equal("System.InvalidOperationException: boom", failure.Message);
        Assert.Contains("cell 1 (id cell-1) «var x = 1;»: System.InvalidOperationException: boom", result.Describe());
        var error = Assert.Single(nb.Outputs(0));
        Assert.Equal("error", error.Type());
        Assert.Contains("boom", string.Join("\n", error["traceback"]!.AsArray().Select(t => t!.GetValue<string>())));
    }

    [Fact]
    public async Task Output_written_before_the_exception_is_kept()
    {
        var (nb, result) = await RunAsync([Code("Console.WriteLine(\"partial\");\ndisplay(\"shown\");\nthrow new Exception(\"late\");")]);
        Assert.False(result.Succeeded);
        var outputs = nb.Outputs(0);
        Assert.Equal(["stream", "display_data", "error"], outputs.Select(o => o.Type()));
        Assert.Equal("partial\n", outputs[0].Text());
    }

    [Fact]
    public async Task A_hung_cell_is_reported_as_timed_out_and_the_notebook_is_still_produced()
    {
        var options = new RunOptions { Kernel = TestKernel.Layout, CellTimeout = TimeSpan.FromSeconds(15) };
        var (nb, result) = await RunAsync([Code("Console.WriteLine(\"before\");"), Code("System.Threading.Thread.Sleep(TimeSpan.FromMinutes(5));"), Code("1")], options);
        Assert.True(result.TimedOut);
        Assert.Equal(2, result.Failure!.CellNumber);
        Assert.Contains("Timed out after 15 s", result.Failure.Message);
        Assert.Equal("before\n", nb.Outputs(0)[0].Text());
        Assert.Equal("error", Assert.Single(nb.Outputs(1)).Type());
        Assert.Empty(nb.Outputs(2));
        Assert.Empty(NbformatValidator.Problems(nb.ToJson()));
    }

    [Theory]
    [InlineData("{\"cells\": [ {\"cell_type\": \"code\", ", "invalid JSON")]
    [InlineData("[1, 2, 3]", "not a JSON object")]
    [InlineData("{\"cells\": [], \"metadata\": {}, \"nbformat\": 3, \"nbformat_minor\": 0}", "\"nbformat\" must be 4")]
    [InlineData("{\"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}", "no \"cells\" array")]
    [InlineData("{\"cells\": [{\"source\": \"1\"}], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}", "cell 1 has no \"cell_type\"")]
    public void A_malformed_notebook_is_a_clear_error(string json, string problem)
    {
        var error = Assert.Throws<MalformedNotebookException>(() => NotebookDocument.Parse(json, "broken.ipynb"));
        Assert.Contains("broken.ipynb", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public async Task A_malformed_notebook_file_is_reported_by_the_job_without_crashing()
    {
        var folder = TempFolder();
        var path = Path.Combine(folder, "broken.ipynb");
        await File.WriteAllTextAsync(path, "{ not json");
        var (report, result) = await NotebookJob.RunAsync(path, Path.Combine(folder, "out"), new RunOptions { Kernel = TestKernel.Layout });
        Assert.Null(result);
        Assert.False(report.Succeeded);
        Assert.Contains("broken.ipynb", report.Line);
        Assert.Contains("invalid JSON", report.Line);
    }

    [Fact]
    public async Task Output_is_kept_up_to_a_limit_with_a_note_and_a_huge_single_print_is_dropped_with_a_reason()
    {
        var (nb, result) = await RunAsync([
            Code("for (int i = 0; i < 10_000; i++) Console.WriteLine($\"line {i}\");"),
            Code("Console.Write(new string('x', 20_000_000));"),
            Code("for (int i = 0; i < 30_000; i++) Console.WriteLine(new string('y', 99));"),
            Code("1 + 1"),
        ]);
        Assert.True(result.Succeeded, result.Describe());
        var lines = nb.Outputs(0)[0].Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => $"line {i}"), lines);                   // every line, in order, once
        var dropped = Assert.Single(nb.Outputs(1));
        Assert.Contains("dropped one kernel message of 19.1 MB", dropped.Text());                   // 20,000,000 characters, as UTF-8 JSON
        var kept = nb.Outputs(2);
        Assert.True(kept[0].Text().Length <= CellOutputs.DefaultLimit, $"{kept[0].Text().Length:N0} characters kept");
        Assert.Contains("[output truncated: this cell produced", kept[^1].Text());
        Assert.Contains("<pre>2</pre>", nb.Outputs(3)[0].Text("text/html"));
    }
}
