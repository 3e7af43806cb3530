using System.CommandLine;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course kernel install|status|uninstall: the course kernel (the pinned .NET Interactive tool,
/// laid out in .kernel/ with FSharp.Core 10.1 — see <see cref="CourseKernel"/>) and its
/// registrations for VS Code Polyglot Notebooks (the workspace's .vscode/settings.json) and
/// Jupyter (the .net-csharp kernelspec in the user's Jupyter data folder).
/// </summary>
static class KernelCommand
{
    /// <summary>The FSharp.Core the course is built with, which the course kernel carries.</summary>
    public static string FSharpCore => Path.Combine(AppContext.BaseDirectory, "FSharp.Core.dll");

    /// <summary>
    /// The repository whose kernel serves <paramref name="start"/> (a notebook's folder, or the
    /// current folder), falling back to the one this program was built in.
    /// </summary>
    public static string RepositoryFor(string start) =>
        CourseKernel.FindRepositoryRoot(start)
        ?? CourseKernel.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException(
            $"No repository with a pinned kernel above {start} (looked for .config/dotnet-tools.json naming {CourseKernel.ToolPackageId}).");

    /// <summary>The course kernel for notebooks in <paramref name="start"/>, laid out first when missing or stale.</summary>
    public static Task<KernelLayout> EnsureAsync(string start, string? kernelDirectory = null)
    {
        var repository = RepositoryFor(start);
        return CourseKernel.EnsureAsync(repository, kernelDirectory ?? KernelDirectory(repository), FSharpCore, Console.Error.WriteLine);
    }

    /// <summary>MLP_REVIVAL_KERNEL, else .kernel/ at the top of the repository.</summary>
    public static string KernelDirectory(string repository) =>
        Environment.GetEnvironmentVariable("MLP_REVIVAL_KERNEL") is { Length: > 0 } custom ? Path.GetFullPath(custom) : CourseKernel.DefaultDirectory(repository);

    public static Command Create()
    {
        var kernelDir = new Option<string?>("--kernel-dir") { Description = "Where the course kernel lives (default: .kernel/ at the top of the repository, or MLP_REVIVAL_KERNEL)." };
        var jupyterDir = new Option<string?>("--jupyter-data-dir") { Description = "Jupyter's data folder for the kernelspec (default: JUPYTER_DATA_DIR, else ~/.local/share/jupyter)." };
        var workspace = new Option<string?>("--workspace") { Description = "The VS Code workspace whose .vscode/settings.json launches the kernel (default: the repository)." };
        var noJupyter = new Option<bool>("--no-jupyter") { Description = "Do not register the Jupyter kernelspec." };

        var install = new Command("install", "Lay out the course kernel and register it for VS Code Polyglot Notebooks and Jupyter.");
        var status = new Command("status", "Say what is installed and where; exit code 1 if something is missing.");
        var uninstall = new Command("uninstall", "Remove the course kernel and its Jupyter kernelspec (putting back a .net-csharp kernelspec it replaced).");
        foreach (var c in new[] { install, status, uninstall })
        {
            c.Options.Add(kernelDir);
            c.Options.Add(jupyterDir);
            c.Options.Add(workspace);
        }
        install.Options.Add(noJupyter);

        install.SetAction(async (parse, _) => await RunAsync(() => InstallAsync(
            parse.GetValue(kernelDir), parse.GetValue(jupyterDir), parse.GetValue(workspace), !parse.GetValue(noJupyter))));
        status.SetAction(async (parse, _) => await RunAsync(() => Task.FromResult(Status(
            parse.GetValue(kernelDir), parse.GetValue(jupyterDir), parse.GetValue(workspace)))));
        uninstall.SetAction(async (parse, _) => await RunAsync(() => Task.FromResult(Uninstall(
            parse.GetValue(kernelDir), parse.GetValue(jupyterDir)))));

        var command = new Command("kernel", "The course kernel: the pinned .NET Interactive kernel that VS Code, Jupyter and `course run` execute the notebooks in.");
        command.Subcommands.Add(install);
        command.Subcommands.Add(status);
        command.Subcommands.Add(uninstall);
        return command;
    }

    static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try { return await action(); }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }

    static async Task<int> InstallAsync(string? kernelDir, string? jupyterDir, string? workspace, bool jupyter)
    {
        var repository = RepositoryFor(Environment.CurrentDirectory);
        var directory = kernelDir is null ? KernelDirectory(repository) : Path.GetFullPath(kernelDir);
        var layout = await CourseKernel.LayOutAsync(repository, directory, FSharpCore, Console.WriteLine);
        Print(new RegistrationReport("Kernel", layout.Directory, true,
            $"{CourseKernel.ToolPackageId} {layout.ToolVersion} with FSharp.Core {layout.FSharpCore}; {FSharpNeed()}"));

        // The committed workspace settings name .kernel/ relative to the notebooks; a kernel put
        // elsewhere is registered only in a workspace named with --workspace (never written into
        // the committed file as a machine's absolute path).
        var reports = new List<RegistrationReport>
        {
            workspace is not null || JupyterKernelSpec.PathsEqual(layout.Directory, CourseKernel.DefaultDirectory(repository))
                ? VsCodeSettings.Install(workspace is null ? repository : Path.GetFullPath(workspace), layout.Directory, layout.ToolVersion)
                : new RegistrationReport("VS Code", VsCodeSettings.SettingsFile(repository), true,
                    "not changed: the workspace settings launch .kernel/; name a workspace (--workspace) to register this kernel folder in it"),
        };
        if (jupyter)
            reports.Add(JupyterKernelSpec.Install(jupyterDir is null ? JupyterKernelSpec.DefaultDataDirectory() : Path.GetFullPath(jupyterDir), layout, DotnetHost.Path));
        foreach (var r in reports) Print(r);
        Console.WriteLine("Undo with: dotnet run --project lib/Course -- kernel uninstall");
        return reports.All(r => r.Ok) ? 0 : 1;
    }

    static int Status(string? kernelDir, string? jupyterDir, string? workspace)
    {
        var repository = RepositoryFor(Environment.CurrentDirectory);
        var directory = kernelDir is null ? KernelDirectory(repository) : Path.GetFullPath(kernelDir);
        var pinned = CourseKernel.PinnedVersion(repository);
        var layout = CourseKernel.Inspect(directory, pinned, FSharpCore, out var why);
        var reports = new List<RegistrationReport>
        {
            layout is null
                ? new RegistrationReport("Kernel", directory, false, why + " (course kernel install lays it out)")
                : new RegistrationReport("Kernel", directory, true, $"{CourseKernel.ToolPackageId} {layout.ToolVersion} (pinned {pinned}) with FSharp.Core {layout.FSharpCore}; {FSharpNeed()}"),
            VsCodeSettings.Status(workspace is null ? repository : Path.GetFullPath(workspace), directory, pinned),
            JupyterKernelSpec.Status(jupyterDir is null ? JupyterKernelSpec.DefaultDataDirectory() : Path.GetFullPath(jupyterDir), directory),
        };
        foreach (var r in reports) Print(r);
        return reports.All(r => r.Ok) ? 0 : 1;
    }

    static int Uninstall(string? kernelDir, string? jupyterDir)
    {
        var repository = RepositoryFor(Environment.CurrentDirectory);
        var directory = kernelDir is null ? KernelDirectory(repository) : Path.GetFullPath(kernelDir);
        var removed = File.Exists(Path.Combine(directory, CourseKernel.StampFileName));
        if (removed) Directory.Delete(directory, recursive: true);
        Print(new RegistrationReport("Kernel", directory, true, removed ? "removed" : Directory.Exists(directory)
            ? "left alone: not a folder the course laid out" : "nothing to remove"));
        Print(JupyterKernelSpec.Uninstall(jupyterDir is null ? JupyterKernelSpec.DefaultDataDirectory() : Path.GetFullPath(jupyterDir)));
        Print(new RegistrationReport("VS Code", VsCodeSettings.SettingsFile(repository), true,
            "left as committed: without .kernel/ Polyglot Notebooks cannot start a kernel for this workspace until `course kernel install`"));
        return 0;
    }

    // Why the kernel carries its own FSharp.Core, in numbers: what Plotly.NET asks for.
    static string FSharpNeed()
    {
        var plotly = typeof(Plotly.NET.GenericChart).Assembly.GetName();
        var needed = typeof(Plotly.NET.GenericChart).Assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == "FSharp.Core")?.Version;
        return $"{plotly.Name} {plotly.Version} needs FSharp.Core ≥ {needed}";
    }

    static void Print(RegistrationReport r) =>
        Console.WriteLine($"{(r.Ok ? "✓" : "✗")} {r.Front}: {r.Detail}{(r.Location == "-" ? "" : $" ({r.Location})")}");
}
