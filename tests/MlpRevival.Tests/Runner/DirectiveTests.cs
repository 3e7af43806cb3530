using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MlpRevival.Notebooks.Execution;
using static MlpRevival.Tests.Runner.TestNotebooks;

namespace MlpRevival.Tests.Runner;

/// <summary>#r, #load, #i and the magic commands, as the C# kernel handles them.</summary>
public class DirectiveTests
{
    [Fact]
    public async Task Hash_r_and_hash_load_resolve_relative_to_the_notebooks_folder()
    {
        var root = TempFolder();
        var notebooks = Directory.CreateDirectory(Path.Combine(root, "notebooks")).FullName;
        var lib = Directory.CreateDirectory(Path.Combine(root, "lib")).FullName;
        CompileLibrary(Path.Combine(lib, "Greeter.dll"), "public static class Greeter { public static string Hello(string n) => \"hello \" + n; }");
        await File.WriteAllTextAsync(Path.Combine(notebooks, "helpers.csx"), "static int Twice(int x) => 2 * x;");

        var (nb, result) = await RunAsync([Code("#r \"../lib/Greeter.dll\"\n#load \"helpers.csx\"\nGreeter.Hello(\"world\") + \" \" + Twice(21)")], folder: notebooks);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("hello world 42", nb.Outputs(0)[0].Text());
    }

    [Fact]
    public async Task Hash_r_of_a_missing_file_is_a_compile_error_naming_it()
    {
        var (_, result) = await RunAsync([Code("#r \"../nowhere/Missing.dll\"\n1")]);
        Assert.Equal(FailureKind.Compile, result.Failure?.Kind);
        Assert.Contains("Missing.dll", result.Failure!.Message);
    }

    [Fact]
    public async Task A_carried_package_resolves_and_its_types_compile()
    {
        var (nb, result) = await RunAsync([Code("#r \"nuget: Markdig, 1.6.0\"\nMarkdig.Markdown.ToHtml(\"*x*\").Trim()")]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("<p><em>x</em></p>", nb.Outputs(0)[0].Text());
    }

    [Fact]
    public async Task A_package_version_that_drifts_from_the_pin_fails_with_the_pinned_version()
    {
        var (nb, result) = await RunAsync([Code("#r \"nuget: Plotly.NET, 5.1.0\"\n1")]);
        Assert.Equal(FailureKind.Directive, result.Failure?.Kind);
        Assert.Equal(1, result.Failure!.Line);
        Assert.Contains("Plotly.NET 6.0.0", result.Failure.Message);
        Assert.Contains("Directory.Packages.props", result.Failure.Message);
        Assert.Equal("error", Assert.Single(nb.Outputs(0)).Type());
    }

    [Fact]
    public async Task A_package_the_runner_does_not_carry_fails_clearly()
    {
        var (_, result) = await RunAsync([Code("\n#r \"nuget: Humanizer, 2.14.1\"")]);
        Assert.Equal(2, result.Failure!.Line);
        Assert.Contains("does not carry the package Humanizer", result.Failure.Message);
    }

    [Fact]
    public void The_packages_the_runner_carries_are_the_versions_pinned_in_Directory_Packages_props()
    {
        // Independent source: the props file itself.
        var pins = XDocument.Load(Repo.Path_("Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value);
        var catalog = PackageCatalog.ForThisProcess();
        foreach (var name in new[] { "Plotly.NET", "Plotly.NET.CSharp", "Microsoft.Data.Analysis", "TorchSharp-cpu", "Markdig", "Microsoft.DotNet.Interactive.Formatting" })
            Assert.Equal(pins[name], catalog.Find(name)?.Version);
    }

    [Fact]
    public async Task Magic_commands_csharp_and_time_are_honoured()
    {
        var (nb, result) = await RunAsync([Code("#!csharp\n#!time\nvar s = 0;\nfor (var i = 0; i < 10; i++) s += i;\ns")]);
        Assert.True(result.Succeeded, result.Describe());
        var outputs = nb.Outputs(0);
        Assert.Contains("<pre>45</pre>", outputs[0].Text("text/html"));
        Assert.Matches(@"^Wall time: [0-9.]+ms$", outputs[1].Text());
    }

    [Fact]
    public async Task Line_numbers_still_match_the_cell_after_directives_are_removed()
    {
        var (_, result) = await RunAsync([Code("#!time\n#r \"nuget: Markdig, 1.6.0\"\nvar ok = 1;\nthrow new Exception(\"line four\");")]);
        Assert.Equal(4, result.Failure!.Line);
    }

    [Theory]
    [InlineData("#!frobnicate\n1", "Unknown magic command '#!frobnicate'")]
    [InlineData("#!fsharp\nlet x = 1", "executes C# only")]
    [InlineData("#i \"nuget: ./local-feed\"\n1", "must be an absolute path")]
    public async Task Unsupported_directives_are_clear_errors(string source, string message)
    {
        var (_, result) = await RunAsync([Code(source)]);
        Assert.Equal(FailureKind.Directive, result.Failure?.Kind);
        Assert.Equal(1, result.Failure!.Line);
        Assert.Contains(message, result.Failure.Message);
    }

    [Fact]
    public async Task An_absolute_package_source_is_accepted()
    {
        var (_, result) = await RunAsync([Code("#i \"nuget: https://api.nuget.org/v3/index.json\"\n#i \"nuget: /opt/feed\"\n1")]);
        Assert.True(result.Succeeded, result.Describe());
    }

    [Fact]
    public async Task Hash_import_runs_another_file_in_the_session()
    {
        var folder = TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder, "shared.csx"), "var shared = 7;");
        var (nb, result) = await RunAsync([Code("#!import shared.csx\nshared * 6")], folder: folder);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("<pre>42</pre>", nb.Outputs(0)[0].Text("text/html"));
    }

    [Fact]
    public async Task A_cell_of_another_kernel_is_refused()
    {
        var json = Json([Code("1")]).Replace("\"csharp\"", "\"fsharp\"");
        var (_, result) = await MlpRevival.Notebooks.Execution.NotebookRunner.ExecuteAsync(
            MlpRevival.Notebooks.Format.NotebookDocument.Parse(json, "f.ipynb"), TempFolder(), new RunOptions());
        Assert.Contains("'fsharp' cell", result.Failure!.Message);
    }

    static void CompileLibrary(string path, string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(path), [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
    }
}
