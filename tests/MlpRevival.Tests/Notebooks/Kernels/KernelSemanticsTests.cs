using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using static MlpRevival.Tests.Notebooks.TestNotebooks;
using MlpRevival.Tests.Notebooks.Format;

namespace MlpRevival.Tests.Notebooks.Kernels;

/// <summary>
/// Notebooks run in the real .NET Interactive kernel, and their outputs are stored as VS Code saves
/// them. These pin the kernel behaviour the course relies on.
/// </summary>
public class KernelSemanticsTests
{
    [Fact]
    public async Task Cells_share_one_session_and_a_trailing_expression_is_displayed()
    {
        var (nb, result) = await RunAsync([Code("var x = 20;"), Code("x + 22"), Code("x++;")]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Empty(nb.Outputs(0));
        var shown = Assert.Single(nb.Outputs(1));
        Assert.Equal("display_data", shown.Type());
        // The kernel's default MIME type for non-strings is text/html (a <pre> block with the value).
        Assert.Contains("<pre>42</pre>", shown.Text("text/html"));
        Assert.Empty(nb.Outputs(2));   // a statement ending in ';' displays nothing
    }

    [Fact]
    public async Task Strings_display_as_plain_text_and_void_expressions_display_nothing()
    {
        var (nb, _) = await RunAsync([Code("\"hello\""), Code("Console.Write(\"\")")]);
        var text = Assert.Single(nb.Outputs(0));
        Assert.Equal("hello", text.Text("text/plain"));
        Assert.Null(text["data"]!["text/html"]);
        Assert.Empty(nb.Outputs(1));
    }

    [Fact]
    public async Task Console_output_becomes_merged_stdout_and_stderr_streams()
    {
        var (nb, _) = await RunAsync([Code("Console.WriteLine(\"a\"); Console.Write(\"b\"); Console.WriteLine(); Console.Error.WriteLine(\"oops\");")]);
        var outputs = nb.Outputs(0);
        Assert.Equal(2, outputs.Count);
        Assert.Equal("stdout", outputs[0]["name"]!.GetValue<string>());
        Assert.Equal("a\nb\n", outputs[0].Text());
        Assert.Equal(["a\n", "b\n"], ((JsonArray)outputs[0]["text"]!).Select(l => l!.GetValue<string>()));
        Assert.Equal("stderr", outputs[1]["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Console_output_from_a_task_started_by_the_cell_lands_in_that_cell()
    {
        var (nb, _) = await RunAsync([Code("await Task.Run(() => Console.WriteLine(\"from a task\"));"), Code("1")]);
        Assert.Equal("from a task\n", Assert.Single(nb.Outputs(0)).Text());
    }

    [Fact]
    public async Task Default_imports_are_exactly_the_kernels()
    {
        // System.Linq and System.Collections.Generic are imported …
        var (nb, result) = await RunAsync([Code("new List<int> { 1, 2, 3 }.Sum()")]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("<pre>6</pre>", nb.Outputs(0)[0].Text("text/html"));
        // … System.IO is not (as in the kernel): File needs a qualified name or a using.
        var (_, io) = await RunAsync([Code("File.Exists(\"x\")")]);
        Assert.Equal(FailureKind.Compile, io.Failure?.Kind);
        Assert.Contains("CS0103", io.Failure!.Message);
        var (_, qualified) = await RunAsync([Code("System.IO.File.Exists(\"x\")")]);
        Assert.True(qualified.Succeeded);
    }

    [Fact]
    public async Task Display_helpers_of_the_kernel_work()
    {
        var (nb, result) = await RunAsync([Code("""
            display("plain");
            display(HTML("<b>bold</b>"));
            "# Title".DisplayAs("text/markdown");
            42.Display();
            """)]);
        Assert.True(result.Succeeded, result.Describe());
        var outputs = nb.Outputs(0);
        Assert.Equal(4, outputs.Count);
        Assert.Equal("plain", outputs[0].Text("text/plain"));
        Assert.Equal("<b>bold</b>", outputs[1].Text("text/html"));
        Assert.Equal("# Title", outputs[2].Text("text/markdown"));
        Assert.Contains("<pre>42</pre>", outputs[3].Text("text/html"));
        Assert.All(outputs, o => Assert.Equal("display_data", o.Type()));
    }

    [Fact]
    public async Task A_value_displayed_through_the_invocation_context_updates_in_place()
    {
        // How the course's live training progress (LiveDisplay) shows and updates one output.
        var (nb, result) = await RunAsync([Code("""
            using Microsoft.DotNet.Interactive;
            var d = KernelInvocationContext.Current.Display("step 0");
            for (int i = 1; i <= 50; i++) d.Update($"step {i}");
            """)]);
        Assert.True(result.Succeeded, result.Describe());
        var output = Assert.Single(nb.Outputs(0));
        Assert.Equal("step 50", output.Text("text/plain"));
    }

    [Fact]
    public async Task Updates_of_a_value_shown_with_display_arrive_under_a_new_id_and_become_a_second_output()
    {
        // Kernel 1.0.712001: display(x) announces x under one value id and its updates under
        // another. VS Code then appends the updated value as a new output (it replaces only
        // outputs whose id it tracks); the runner stores what VS Code shows.
        var (nb, result) = await RunAsync([Code("var d = display(\"step 0\");\nfor (int i = 1; i <= 50; i++) d.Update($\"step {i}\");")]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(["step 0", "step 50"], nb.Outputs(0).Select(o => o.Text("text/plain")));
    }

    [Fact]
    public async Task Markdown_cells_are_not_executed()
    {
        var (nb, result) = await RunAsync([Markdown("this is { not C# ;"), Code("1 + 1")]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(1, result.CodeCellsRun);
        Assert.Null(nb.Cells[0].Json["outputs"]);
    }

    [Fact]
    public async Task The_course_library_formats_charts_and_dataframes_as_html()
    {
        var (nb, result) = await RunAsync([Code("""
            LIBRARY
            using Microsoft.Data.Analysis;
            MlpRevival.Display.NotebookFormatters.Register();
            var frame = new DataFrame(new Int32DataFrameColumn("n", new[] { 1234567, 2 }), new StringDataFrameColumn("name", new[] { "a<b", "c" }));
            display(frame);
            Plotly.NET.CSharp.Chart.Point<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 })
            """.Replace("LIBRARY", TestKernel.LibraryReference))]);
        Assert.True(result.Succeeded, result.Describe());
        var outputs = nb.Outputs(0);
        var table = outputs[0].Text("text/html");
        Assert.Contains("<table class=\"mlpr-table\"", table);
        Assert.Contains("1,234,567", table);
        Assert.Contains("a&lt;b", table);            // cell text is HTML-encoded
        var chart = outputs[1].Text("text/html");
        Assert.Contains("class=\"mlpr-chart\"", chart);
        Assert.Contains("Plotly.newPlot", chart);
    }

    [Fact]
    public async Task Torchsharp_works_inside_a_cell_and_tensors_format_themselves()
    {
        var (nb, result) = await RunAsync([Code("""
            LIBRARY
            using TorchSharp;
            var t = torch.arange(6, dtype: torch.float32).reshape(2, 3);
            t.sum().item<float>()
            """.Replace("LIBRARY", TestKernel.LibraryReference))]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("<pre>15</pre>", nb.Outputs(0)[0].Text("text/html"));
    }

    [Fact]
    public async Task Execution_counts_and_timings_are_recorded_per_cell()
    {
        var (nb, _) = await RunAsync([Markdown("# t"), Code("1"), Code("System.Threading.Thread.Sleep(20);")]);
        Assert.Equal(1, nb.Cells[1].Json["execution_count"]!.GetValue<int>());
        Assert.Equal(2, nb.Cells[2].Json["execution_count"]!.GetValue<int>());
        var timing = (JsonObject)nb.Cells[2].Metadata["execution"]!;
        var start = DateTimeOffset.Parse(timing["iopub.execute_input"]!.GetValue<string>());
        var end = DateTimeOffset.Parse(timing["shell.execute_reply"]!.GetValue<string>());
        Assert.True(end - start >= TimeSpan.FromMilliseconds(20), $"{start:o} → {end:o}");
    }

    [Fact]
    public async Task The_executed_notebook_is_valid_nbformat_4_5_and_keeps_unknown_metadata()
    {
        var (nb, _) = await RunAsync([Markdown("# t"), Code("Console.WriteLine(1); display(\"x\"); 2"), Code("throw new Exception(\"e\");"), Code("3")]);
        var json = nb.ToJson();
        Assert.Empty(NbformatValidator.Problems(json));
        Assert.True(JsonNode.Parse(json)!["metadata"]!["custom_field"]!["kept"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_nbformat_4_4_notebook_without_cell_ids_gets_ids_and_becomes_4_5()
    {
        var source = NotebookDocument.Parse(Json([Code("1"), Code("2")], minor: 4), "old.ipynb");
        var (nb, result) = await NotebookRunner.ExecuteAsync(source, TempFolder(), new RunOptions { Kernel = TestKernel.Layout });
        Assert.True(result.Succeeded);
        Assert.Empty(NbformatValidator.Problems(nb.ToJson()));
        Assert.Equal(5, nb.Root["nbformat_minor"]!.GetValue<int>());
    }
}
