using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using MlpRevival.Tests.Notebooks.Export;
using MlpRevival.Tests.Notebooks.Format;

namespace MlpRevival.Tests.Notebooks.CourseNotebooks;

/// <summary>
/// One test per notebook in notebooks/ (a new notebook is a new test): it runs headlessly in the
/// quick profile through `course run`, as the README's main command does, and must finish with no
/// cell error, and its exported HTML must render in headless Chromium with no network (every chart
/// drawn, no script error). Executed copies stay in artifacts/test-notebooks/, screenshots in
/// artifacts/screenshots/, for inspection.
/// </summary>
public class CourseNotebookTests
{
    /// <summary>How every notebook's first code cell references the course library.</summary>
    public const string LibraryReference = "#r \"../lib/MlpRevival/bin/net10.0/MlpRevival.dll\"";

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Repo.Path_("notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Runs_in_the_quick_profile_without_errors(string notebook)
    {
        var outDir = Repo.Artifacts("test-notebooks");
        var run = await CourseProcess.RunAsync(
            ["run", Repo.Path_("notebooks", notebook), "--profile", "quick", "--out", outDir, "--timeout", "900"],
            limit: TimeSpan.FromMinutes(20));
        Assert.True(run.ExitCode == 0, run.ToString());

        var executed = NotebookDocument.Load(Path.Combine(outDir, notebook));
        var errors = executed.Cells.Where(c => c.IsCode)
            .SelectMany(c => c.Outputs.OfType<JsonObject>().Where(o => o.Type() == "error").Select(o => $"{c.Id}: {o["evalue"]}"))
            .ToList();
        Assert.Empty(errors);
        Assert.All(executed.Cells.Where(c => c.IsCode), c => Assert.NotNull(c.Json["execution_count"]));
        Assert.Empty(NbformatValidator.Problems(executed.ToJson()));

        // The exported page in headless Chromium, offline: every chart drawn, no script error.
        var html = Path.Combine(outDir, Path.ChangeExtension(notebook, ".html"));
        var check = await BrowserPage.CheckAsync(html, Path.Combine(Repo.Artifacts("screenshots"), Path.ChangeExtension(notebook, ".png")));
        Assert.True(check.RenderedCharts == check.Charts, check.ToString());
        Assert.True(check.Errors.Count == 0 && check.BlockedRequests.Count == 0, check.ToString());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Is_committed_clean_and_follows_the_course_conventions(string notebook)
    {
        var path = Repo.Path_("notebooks", notebook);
        var json = File.ReadAllText(path);
        Assert.Empty(NbformatValidator.Problems(json));
        var document = NotebookDocument.Load(path);
        var code = document.Cells.Where(c => c.IsCode).ToList();

        Assert.All(code, c => Assert.Empty(c.Outputs));                                  // outputs belong to executed copies
        Assert.All(code, c => Assert.Null(c.Json["execution_count"]));
        Assert.All(code, c => Assert.Equal("csharp", c.KernelName));
        Assert.Equal(".net-csharp", document.Metadata["kernelspec"]?["name"]?.GetValue<string>());

        Assert.StartsWith(LibraryReference + "\n", code[0].Source);                      // the lib, referenced the one way
        var parameters = Assert.Single(code, c => c.HasTag(Parameters.ParametersTag));
        Assert.Contains("quick", Parameters.Profiles(parameters.Source).Keys);            // the profile the tests run
        Assert.DoesNotContain(code, c => c.HasTag(Parameters.InjectedTag));
        Assert.True(document.Cells[0].IsMarkdown && document.Cells[0].Source.StartsWith("# ", StringComparison.Ordinal),
            "a notebook opens with its title");
    }
}
