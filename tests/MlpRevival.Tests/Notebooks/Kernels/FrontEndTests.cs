using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using MlpRevival.Notebooks.Kernels;
using MlpRevival.Tests.Notebooks;

namespace MlpRevival.Tests.Notebooks.Kernels;

/// <summary>
/// The course kernel as the front ends start it: VS Code Polyglot Notebooks from the committed
/// workspace settings (and the dev container's), Jupyter from the registered .net-csharp
/// kernelspec through the Jupyter messaging protocol (nbclient, as nbconvert and JupyterLab use it).
/// </summary>
public class FrontEndTests
{
    static NotebookDocument QuickSetupNotebook()
    {
        var (notebook, _) = Parameters.Parameterize(NotebookDocument.Load(Repo.Path_("notebooks", "00-setup.ipynb")), "quick", new Dictionary<string, string>());
        return notebook;
    }

    [Fact]
    public async Task The_committed_VS_Code_settings_start_the_course_kernel_and_it_runs_00_setup()
    {
        _ = TestKernel.Layout;   // .kernel/ laid out, as `course kernel install` or `course run` leave it
        var settings = VsCodeSettings.Read(VsCodeSettings.SettingsFile(Repo.Root));
        Assert.NotNull(settings);
        var notebooks = Repo.Path_("notebooks");
        var (command, workingDirectory) = VsCodeSettings.LaunchFor(settings!, notebooks, DotnetHost.Path)
            ?? throw new Xunit.Sdk.XunitException($"{VsCodeSettings.ArgsKey} is not set");
        Assert.Equal(Path.GetFullPath(Path.Combine(TestKernel.Layout.Directory, CourseKernel.AppAssembly)), Path.GetFullPath(command[1]));

        // Exactly the process the extension starts: its command, arguments and working directory.
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory };
        foreach (var a in command.Skip(1)) start.ArgumentList.Add(a);
        await using var kernel = await KernelConnection.StartAsync(start, TimeSpan.FromMinutes(2));
        var notebook = QuickSetupNotebook();
        int index = 0;
        foreach (var cell in notebook.Cells)
        {
            index++;
            if (!cell.IsCode) continue;
            var (failure, _) = await NotebookRunner.RunCellAsync(kernel, cell, index, TimeSpan.FromMinutes(5), CellOutputs.DefaultLimit, "");
            Assert.True(failure is null, $"cell {index} «{cell.Source.Split('\n')[0]}»: {failure?.Message}");
        }
        var html = string.Concat(notebook.Cells.Where(c => c.IsCode).SelectMany(c => c.Outputs.OfType<JsonObject>()).Select(o => o.Text("text/html")));
        Assert.Contains("mlpr-chart", html);     // a chart
        Assert.Contains("mlpr-table", html);     // a table
    }

    [Fact]
    public void The_dev_container_launches_the_same_kernel_and_installs_it_on_creation()
    {
        var json = JsonNode.Parse(File.ReadAllText(Repo.Path_(".devcontainer", "devcontainer.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        var settings = json["customizations"]!["vscode"]!["settings"]!.DeepClone().AsObject();
        // The dev container resolves ${containerWorkspaceFolder}; here the workspace is this repository.
        var args = settings[VsCodeSettings.ArgsKey]!.AsArray().Select(a => a!.GetValue<string>().Replace("${containerWorkspaceFolder}", Repo.Root)).ToList();
        settings[VsCodeSettings.ArgsKey] = new JsonArray(args.Select(a => (JsonNode)a).ToArray());
        var (command, _) = VsCodeSettings.LaunchFor(settings, Repo.Path_("notebooks", "deeper", "still"), "dotnet")!.Value;
        Assert.Equal(Path.GetFullPath(Repo.Path_(".kernel", CourseKernel.AppAssembly)), Path.GetFullPath(command[1]));
        Assert.Contains("kernel install", File.ReadAllText(Repo.Path_(".devcontainer", "post-create.sh")));
    }

    [Fact]
    public async Task Jupyter_runs_00_setup_through_the_registered_net_csharp_kernelspec()
    {
        var python = JupyterPython() ?? throw new Xunit.Sdk.XunitException(
            "No python3 with nbclient: install Debian's jupyter-nbconvert and python3-jupyter-client (tests/run does).");
        var root = TestNotebooks.TempFolder();
        var jupyter = Path.Combine(root, "jupyter");
        var install = await CourseProcess.RunAsync(["kernel", "install", "--kernel-dir", Path.Combine(root, "kernel"),
            "--jupyter-data-dir", jupyter, "--workspace", Path.Combine(root, "ws")], limit: TimeSpan.FromMinutes(5));
        Assert.True(install.ExitCode == 0, install.ToString());

        var input = Path.Combine(root, "00-setup.ipynb");
        var output = Path.Combine(root, "00-setup.executed.ipynb");
        QuickSetupNotebook().Save(input);
        // nbclient resolves the kernel by the notebook's metadata (kernelspec .net-csharp) in
        // JUPYTER_DATA_DIR and runs it in the notebooks folder, as JupyterLab would.
        const string script = """
            import sys, nbformat
            from nbclient import NotebookClient
            nb = nbformat.read(sys.argv[1], as_version=4)
            NotebookClient(nb, timeout=600, startup_timeout=180, resources={"metadata": {"path": sys.argv[3]}}).execute()
            nbformat.write(nb, sys.argv[2])
            """;
        var run = await Process(python, ["-c", script, input, output, Repo.Path_("notebooks")],
            new Dictionary<string, string> { ["JUPYTER_DATA_DIR"] = jupyter, ["JUPYTER_PATH"] = jupyter }, TimeSpan.FromMinutes(12));
        Assert.True(run.ExitCode == 0, run.Output);

        var executed = NotebookDocument.Load(output);
        var code = executed.Cells.Where(c => c.IsCode).ToList();
        Assert.All(code, c => Assert.DoesNotContain(c.Outputs, o => o!["output_type"]!.GetValue<string>() == "error"));
        Assert.All(code, c => Assert.NotNull(c.Json["execution_count"]));
        var text = string.Concat(code.SelectMany(c => c.Outputs).Select(o => o!.ToJsonString()));
        Assert.Contains("TorchSharp", text);
        Assert.Contains("mlpr-chart", text);
    }

    [Fact]
    public async Task Running_a_notebook_writes_nothing_into_the_library_output_or_the_NuGet_cache()
    {
        var packages = await CourseKernel.GlobalPackagesFolderAsync();
        var watched = new[]
        {
            Path.GetDirectoryName(Repo.LibraryAssembly)!,
            Path.Combine(packages, "torchsharp"),
            Path.Combine(packages, "torchsharp-cpu"),
            Path.Combine(packages, "libtorch-cpu-linux-x64"),
            Path.Combine(packages, CourseKernel.ToolPackageId),
            Path.Combine(packages, "fsharp.core"),
        }.Where(Directory.Exists).ToList();
        Assert.Contains(Path.Combine(packages, "torchsharp"), watched);
        var before = Snapshot(watched);

        var outDir = TestNotebooks.TempFolder();
        var run = await CourseProcess.RunAsync(["run", Repo.Path_("notebooks", "00-setup.ipynb"), "--profile", "quick", "--out", outDir],
            limit: TimeSpan.FromMinutes(10));
        Assert.True(run.ExitCode == 0, run.ToString());

        var after = Snapshot(watched);
        Assert.Empty(after.Except(before));   // e.g. no bin/…/cpu/ folder of copied natives
        Assert.Empty(before.Except(after));
    }

    [Fact]
    public async Task The_library_is_built_to_one_folder_for_every_configuration_the_one_the_notebooks_reference()
    {
        // A Release-only build must be what the notebooks load: the output folder has no configuration in it.
        var project = Repo.Path_("lib", "MlpRevival", "MlpRevival.csproj");
        var folders = new List<string>();
        foreach (var configuration in new[] { "Debug", "Release" })
        {
            var (code, output) = await DotnetHost.RunAsync(["msbuild", project, "-getProperty:TargetPath", $"-p:Configuration={configuration}"],
                Repo.Root, TimeSpan.FromMinutes(2));
            Assert.True(code == 0, output);
            folders.Add(Path.GetFullPath(output.Trim()));
        }
        Assert.Equal(folders[0], folders[1]);
        Assert.Equal(Path.GetFullPath(Repo.LibraryAssembly), folders[0]);
        var reference = CourseNotebooks.CourseNotebookTests.LibraryReference;           // what every notebook's first cell says
        var relative = reference[(reference.IndexOf('"') + 1)..reference.LastIndexOf('"')];
        Assert.Equal(folders[0], Path.GetFullPath(Path.Combine(Repo.Path_("notebooks"), relative)));
    }

    [Fact]
    public async Task MLP_REVIVAL_DATA_reaches_a_notebook_run_with_its_default_data_folder()
    {
        var sample = Repo.Path_("datasets", "cifar-10-sample");
        var outDir = TestNotebooks.TempFolder();
        var run = await CourseProcess.RunAsync(["run", Repo.Path_("notebooks", "00-setup.ipynb"), "--out", outDir],
            limit: TimeSpan.FromMinutes(10), environment: new Dictionary<string, string> { ["MLP_REVIVAL_DATA"] = sample });
        Assert.True(run.ExitCode == 0, run.ToString());
        var executed = await File.ReadAllTextAsync(Path.Combine(outDir, "00-setup.ipynb"));
        Assert.Contains($"{sample}: 2,000 train + 1,000 test images", executed);
        Assert.DoesNotContain("injected-parameters", executed);                  // the notebook's own default, not a --param
    }

    static HashSet<string> Snapshot(IEnumerable<string> folders) =>
        folders.SelectMany(f => Directory.EnumerateFileSystemEntries(f, "*", SearchOption.AllDirectories))
            .Select(p => File.Exists(p) ? $"{p} {new FileInfo(p).Length} {File.GetLastWriteTimeUtc(p):O}" : p)
            .ToHashSet();

    static string? JupyterPython()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var probe = Process(candidate, ["-c", "import nbclient, nbformat"], new Dictionary<string, string>(), TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                if (probe.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    static Task<(int ExitCode, string Output)> Process(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> env, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        return DotnetHost.RunAsync(start, limit);
    }
}
