using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Cli.Commands;

/// <summary>`course run` end to end, in a child process, each notebook in the course kernel: files written, exit codes, messages.</summary>
public class RunCommandTests
{
    [Fact]
    public async Task A_broken_notebook_fails_naming_the_cell_and_its_executed_copy_holds_the_error()
    {
        var folder = TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.ipynb"),
            Json([Markdown("# Broken"), Code("Console.WriteLine(\"first\");"), Code("var a = 1;\nvar b = a / 0;\n"), Code("Console.WriteLine(\"never\");")]));
        var outDir = Path.Combine(folder, "out");

        var run = await CourseProcess.RunAsync(["run", Path.Combine(folder, "broken.ipynb"), "--out", outDir]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("broken.ipynb: cell 3 (id cell-3) «var a = 1;»: System.DivideByZeroException", run.Stdout);
        var executed = NotebookDocument.Load(Path.Combine(outDir, "broken.ipynb"));
        Assert.Equal("first\n", executed.Outputs(1)[0].Text());
        Assert.Equal("error", executed.Outputs(2)[0].Type());
        Assert.Empty(executed.Outputs(3));
        var html = await File.ReadAllTextAsync(Path.Combine(outDir, "broken.html"));
        Assert.Contains("DivideByZeroException", html);
        Assert.True(File.Exists(Path.Combine(outDir, "index.html")));
    }

    [Fact]
    public async Task Relative_paths_in_cells_resolve_against_the_notebooks_folder_as_in_VS_Code()
    {
        var folder = TempFolder();
        Directory.CreateDirectory(Path.Combine(folder, "nb"));
        await File.WriteAllTextAsync(Path.Combine(folder, "data.txt"), "beside the notebook's folder");
        await File.WriteAllTextAsync(Path.Combine(folder, "nb", "paths.ipynb"),
            Json([Code("System.IO.File.ReadAllText(\"../data.txt\")")]));
        var outDir = Path.Combine(folder, "out");

        var run = await CourseProcess.RunAsync(["run", Path.Combine("nb", "paths.ipynb"), "--out", "out"], workingDirectory: folder);

        Assert.True(run.ExitCode == 0, run.ToString());
        var executed = NotebookDocument.Load(Path.Combine(outDir, "paths.ipynb"));
        Assert.Equal("beside the notebook's folder", executed.Outputs(0)[0].Text());
    }

    [Fact]
    public async Task A_spinning_cell_is_stopped_at_the_timeout_and_the_notebook_is_written()
    {
        var folder = TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder, "hang.ipynb"),
            Json([Code("Console.WriteLine(\"before\");"), Code("while (true) { }"), Code("Console.WriteLine(\"after\");")]));
        var outDir = Path.Combine(folder, "out");

        // The limit below only guards the test; the runner's own per-cell timeout is 20 s (the first cell
        // of a fresh kernel compiles for a few seconds, more on a loaded machine).
        var run = await CourseProcess.RunAsync(["run", Path.Combine(folder, "hang.ipynb"), "--out", outDir, "--timeout", "20"], limit: TimeSpan.FromMinutes(3));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cell 2 (id cell-2) «while (true) { }»: Timed out after 20 s", run.Stdout);
        var executed = NotebookDocument.Load(Path.Combine(outDir, "hang.ipynb"));
        Assert.Equal("before\n", executed.Outputs(0)[0].Text());
        Assert.Contains("Timed out", executed.Outputs(1)[0]["evalue"]!.GetValue<string>());
        Assert.Empty(executed.Outputs(2));
        Assert.Equal("timed out", executed.Metadata["mlp_revival"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_folder_runs_every_notebook_in_its_own_kernel_and_one_failure_does_not_stop_the_others()
    {
        var folder = TempFolder();
        var notebooks = Directory.CreateDirectory(Path.Combine(folder, "nbs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(notebooks, "a-good.ipynb"), Json([Markdown("# Good one"), Code("var n = 3;", "parameters"), Code("Console.WriteLine(n * 2);")]));
        await File.WriteAllTextAsync(Path.Combine(notebooks, "b-malformed.ipynb"), "{ this is not json");
        await File.WriteAllTextAsync(Path.Combine(notebooks, "c-good.ipynb"), Json([Code("var n = 1;", "parameters"), Code("n")]));
        var outDir = Path.Combine(folder, "out");

        var run = await CourseProcess.RunAsync(["run", notebooks, "--out", outDir, "--param", "n=5"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("a-good.ipynb: ok", run.Stdout);
        Assert.Contains("b-malformed.ipynb", run.Stdout);
        Assert.Contains("invalid JSON", run.Stdout);
        Assert.Contains("c-good.ipynb: ok", run.Stdout);
        Assert.Contains("3 notebooks: 2 ok, 1 failed", run.Stdout);
        var good = NotebookDocument.Load(Path.Combine(outDir, "a-good.ipynb"));
        Assert.Equal("10\n", good.Outputs(3)[0].Text());        // the injected n=5 is used
        var index = await File.ReadAllTextAsync(Path.Combine(outDir, "index.html"));
        Assert.Contains("Good one", index);
        Assert.Contains("a-good.html", index);
        Assert.Contains("b-malformed", index);
    }

    [Fact]
    public async Task Usage_errors_exit_with_2_and_say_what_is_wrong()
    {
        var run = await CourseProcess.RunAsync(["run", "/no/such/notebook.ipynb"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no such notebook or folder", run.Stderr);
        var bad = await CourseProcess.RunAsync(["run", Repo.Path_("notebooks"), "--param", "epochs"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("expected name=value", bad.Stderr);
    }

    [Fact]
    public async Task Out_in_the_notebooks_own_folder_is_refused_and_nothing_is_overwritten()
    {
        var folder = TempFolder();
        var notebook = Path.Combine(folder, "keep.ipynb");
        var source = Json([Code("1")]);
        await File.WriteAllTextAsync(notebook, source);
        var run = await CourseProcess.RunAsync(["run", notebook, "--out", folder]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("would overwrite the notebooks", run.Stderr);
        Assert.Equal(source, await File.ReadAllTextAsync(notebook));
        Assert.False(File.Exists(Path.Combine(folder, "index.html")));
    }
}
