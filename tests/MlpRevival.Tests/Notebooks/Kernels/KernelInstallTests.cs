using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Kernels;
using MlpRevival.Tests.Notebooks;

namespace MlpRevival.Tests.Notebooks.Kernels;

/// <summary>
/// `course kernel install|status|uninstall`, always into temporary folders (kernel, Jupyter data
/// folder, VS Code workspace): never the user's own settings.
/// </summary>
public class KernelInstallTests
{
    sealed record Places(string Kernel, string Jupyter, string Workspace)
    {
        public string[] Options => ["--kernel-dir", Kernel, "--jupyter-data-dir", Jupyter, "--workspace", Workspace];
    }

    static Places TempPlaces()
    {
        var root = TestNotebooks.TempFolder();
        return new Places(Path.Combine(root, "kernel"), Path.Combine(root, "jupyter"), Directory.CreateDirectory(Path.Combine(root, "ws")).FullName);
    }

    static Task<CourseProcess.Outcome> Course(params string[] args) => CourseProcess.RunAsync(args, limit: TimeSpan.FromMinutes(5));

    [Fact]
    public async Task Install_lays_out_the_pinned_kernel_with_the_courses_FSharp_Core_and_leaves_the_NuGet_cache_alone()
    {
        var places = TempPlaces();
        var run = await Course(["kernel", "install", .. places.Options]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var pinned = CourseKernel.PinnedVersion(Repo.Root);
        var stamp = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(places.Kernel, CourseKernel.StampFileName)))!;
        Assert.Equal(pinned, stamp["tool_version"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(places.Kernel, CourseKernel.AppAssembly)));

        // The kernel's FSharp.Core is the course's (what Plotly.NET references), not the tool's 10.0.
        var plotlyNeeds = Assembly.LoadFrom(Path.Combine(Path.GetDirectoryName(Repo.LibraryAssembly)!, "Plotly.NET.dll"))
            .GetReferencedAssemblies().Single(a => a.Name == "FSharp.Core").Version!;
        var inKernel = AssemblyName.GetAssemblyName(Path.Combine(places.Kernel, "FSharp.Core.dll")).Version!;
        Assert.True(inKernel >= plotlyNeeds, $"kernel FSharp.Core {inKernel}, Plotly.NET needs {plotlyNeeds}");
        Assert.Empty(Directory.GetFiles(places.Kernel, "FSharp.Core.resources.dll", SearchOption.AllDirectories));
        var deps = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(places.Kernel, "Microsoft.DotNet.Interactive.App.deps.json")))!;
        var entry = deps["targets"]!.AsObject().SelectMany(t => t.Value!.AsObject()).Single(l => l.Key.StartsWith("FSharp.Core/", StringComparison.Ordinal)).Value!;
        Assert.Equal(inKernel.ToString(), entry["runtime"]!.AsObject().Single().Value!["assemblyVersion"]!.GetValue<string>());
        Assert.Null(entry["resources"]);

        // The tool in the NuGet cache is untouched: it still carries the FSharp.Core it shipped with.
        var tool = await CourseKernel.ToolFolderAsync(Repo.Root, pinned);
        var shipped = AssemblyName.GetAssemblyName(Path.Combine(tool, "FSharp.Core.dll")).Version!;
        Assert.True(shipped < plotlyNeeds, $"the tool's own FSharp.Core is {shipped}: if it is ≥ {plotlyNeeds}, the install step is no longer needed");
        Assert.NotEmpty(Directory.GetFiles(tool, "FSharp.Core.resources.dll", SearchOption.AllDirectories));

        // Registered for Jupyter (a .net-csharp kernelspec running this kernel) and VS Code.
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(places.Jupyter, "kernels", ".net-csharp", "kernel.json")))!;
        var argv = spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(Path.Combine(places.Kernel, CourseKernel.AppAssembly), argv[1]);
        Assert.Equal(["jupyter", "--default-kernel", "csharp", "{connection_file}"], argv.Skip(2).Take(4));
        Assert.Equal(".NET (C#)", spec["display_name"]!.GetValue<string>());
        var settings = VsCodeSettings.Read(VsCodeSettings.SettingsFile(places.Workspace))!;
        Assert.Equal("{working_dir}", settings[VsCodeSettings.WorkingDirectoryKey]!.GetValue<string>());
        Assert.Equal(pinned, settings[VsCodeSettings.ToolVersionKey]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_says_what_is_missing_and_uninstall_puts_back_a_kernelspec_it_replaced()
    {
        var places = TempPlaces();
        var before = await Course(["kernel", "status", .. places.Options]);
        Assert.Equal(1, before.ExitCode);
        Assert.Contains("✗ Kernel: no course kernel", before.Stdout);
        Assert.Contains("✗ Jupyter: no .net-csharp kernelspec", before.Stdout);

        // Someone's own .net-csharp kernelspec (as `dotnet interactive jupyter install` writes it) and VS Code settings.
        var theirs = Path.Combine(places.Jupyter, "kernels", ".net-csharp");
        Directory.CreateDirectory(theirs);
        const string theirSpec = """{"argv": ["dotnet", "interactive", "jupyter", "--default-kernel", "csharp", "{connection_file}"], "display_name": ".NET (C#)", "language": "C#"}""";
        await File.WriteAllTextAsync(Path.Combine(theirs, "kernel.json"), theirSpec);
        await File.WriteAllTextAsync(Path.Combine(theirs, "logo-64x64.png"), "png");
        Directory.CreateDirectory(Path.Combine(places.Workspace, ".vscode"));
        await File.WriteAllTextAsync(VsCodeSettings.SettingsFile(places.Workspace), "{\n  // mine\n  \"editor.fontSize\": 15,\n}\n");

        var install = await Course(["kernel", "install", .. places.Options]);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("kept in", install.Stdout);
        var status = await Course(["kernel", "status", .. places.Options]);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("✓ Kernel:", status.Stdout);
        Assert.Contains("✓ Jupyter:", status.Stdout);
        Assert.Contains("✓ VS Code:", status.Stdout);
        var settings = VsCodeSettings.Read(VsCodeSettings.SettingsFile(places.Workspace))!;
        Assert.Equal(15, settings["editor.fontSize"]!.GetValue<int>());           // their settings are kept
        // Jupyter must not list the backup as a kernel: it lives outside kernels/.
        Assert.Equal([".net-csharp"], Directory.GetDirectories(Path.Combine(places.Jupyter, "kernels")).Select(Path.GetFileName));

        var uninstall = await Course(["kernel", "uninstall", "--kernel-dir", places.Kernel, "--jupyter-data-dir", places.Jupyter]);
        Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
        Assert.False(Directory.Exists(places.Kernel));
        Assert.Equal(theirSpec, await File.ReadAllTextAsync(Path.Combine(theirs, "kernel.json")));
        Assert.Equal("png", await File.ReadAllTextAsync(Path.Combine(theirs, "logo-64x64.png")));
        Assert.False(Directory.Exists(Path.Combine(places.Jupyter, "mlp-revival-backup")));
    }

    [Fact]
    public async Task Uninstall_never_deletes_a_folder_the_course_did_not_lay_out()
    {
        var places = TempPlaces();
        Directory.CreateDirectory(places.Kernel);
        await File.WriteAllTextAsync(Path.Combine(places.Kernel, "precious.txt"), "mine");
        var run = await Course(["kernel", "uninstall", "--kernel-dir", places.Kernel, "--jupyter-data-dir", places.Jupyter]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("left alone", run.Stdout);
        Assert.True(File.Exists(Path.Combine(places.Kernel, "precious.txt")));
    }

    [Fact]
    public async Task A_chart_fails_in_the_stock_kernel_and_draws_in_the_course_kernel()
    {
        // Why the install step exists: the tool as shipped splits FSharp.Core and Plotly.NET fails.
        var cells = new[] { TestNotebooks.Code(TestKernel.LibraryReference + "\nMlpRevival.Plots.Charts.Bars([\"a\", \"b\"], [1.0, 2.0], \"t\", \"x\", \"y\")") };
        var tool = await CourseKernel.ToolFolderAsync(Repo.Root, CourseKernel.PinnedVersion(Repo.Root));
        var stock = new KernelLayout(tool, "stock", new Version());
        var (_, stockRun) = await TestNotebooks.RunAsync(cells, new MlpRevival.Notebooks.Execution.RunOptions { Kernel = stock });
        Assert.False(stockRun.Succeeded);
        Assert.Contains("MissingMethodException", stockRun.Failure!.Message);

        var (nb, courseRun) = await TestNotebooks.RunAsync(cells);
        Assert.True(courseRun.Succeeded, courseRun.Describe());
        Assert.Contains("Plotly.newPlot", nb.Outputs(0)[0].Text("text/html"));
    }
}
