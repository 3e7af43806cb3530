using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlpRevival.Notebooks.Kernels;

/// <summary>A kernel folder laid out by <see cref="CourseKernel"/>, and how to launch it.</summary>
public sealed record KernelLayout(string Directory, string ToolVersion, Version FSharpCore)
{
    public string AppDll => Path.Combine(Directory, CourseKernel.AppAssembly);

    /// <summary>
    /// The command VS Code Polyglot Notebooks runs for a notebook in <paramref name="workingDirectory"/>
    /// (its kernelTransportArgs with {dotnet_path} and {working_dir} filled in).
    /// </summary>
    public IReadOnlyList<string> StdioArguments(string workingDirectory) =>
        [AppDll, "[vscode]", "stdio", "--working-dir", workingDirectory];

    /// <summary>A Jupyter kernelspec's argv for this kernel ({connection_file} is Jupyter's placeholder).</summary>
    public IReadOnlyList<string> JupyterArgv(string dotnet) =>
        [dotnet, AppDll, "jupyter", "--default-kernel", "csharp", "{connection_file}", "--http-port-range", "2048-3000"];

    /// <summary>A process start for the stdio kernel, working in <paramref name="workingDirectory"/> as VS Code does.</summary>
    public ProcessStartInfo StdioStart(string workingDirectory)
    {
        var start = new ProcessStartInfo(DotnetHost.Path) { WorkingDirectory = workingDirectory };
        foreach (var a in StdioArguments(workingDirectory)) start.ArgumentList.Add(a);
        foreach (var (k, v) in CourseKernel.QuietEnvironment) start.Environment[k] = v;
        return start;
    }
}

/// <summary>
/// The course kernel: the .NET Interactive kernel that VS Code Polyglot Notebooks and Jupyter run
/// (the tool Microsoft.dotnet-interactive, pinned in .config/dotnet-tools.json), copied into a
/// folder of its own — <c>.kernel/</c> at the top of the repository — with one change, made here
/// and nowhere else:
///
/// <b>FSharp.Core.</b> The tool ships FSharp.Core 10.0 (assembly 10.0.0.0) for its F# kernel and
/// loads it at start-up. Plotly.NET 6.0.0, the only Plotly.NET the package feed serves, is built
/// against FSharp.Core 10.1 (assembly 10.1.0.0): after <c>#r</c> of the course library the kernel
/// loads a second FSharp.Core for it, Giraffe.ViewEngine binds to the kernel's, and every chart
/// fails with <c>MissingMethodException … Giraffe.ViewEngine.Attributes.get__id()</c> in
/// <c>Plotly.NET.$Defaults</c>. The course's copy of the kernel carries FSharp.Core 10.1 instead
/// (its F# kernel runs on it unchanged: 10.1 is a compatible update), so there is one FSharp.Core.
///
/// The NuGet cache's copy of the tool is never modified. Laying out takes a second; it happens on
/// <c>course kernel install</c> and, when the folder is missing or stale, before <c>course run</c>
/// and the grader start a kernel.
/// </summary>
public static class CourseKernel
{
    public const string ToolPackageId = "microsoft.dotnet-interactive";
    public const string AppAssembly = "Microsoft.DotNet.Interactive.App.dll";
    public const string DefaultFolderName = ".kernel";
    public const string StampFileName = "mlp-revival-kernel.json";
    const string ToolManifest = ".config/dotnet-tools.json";

    /// <summary>Environment for headless runs: no first-run banner or telemetry from the kernel.</summary>
    public static readonly IReadOnlyDictionary<string, string> QuietEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_INTERACTIVE_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>The repository holding <paramref name="start"/>: the nearest folder up whose tool manifest pins the kernel.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var manifest = Path.Combine(dir.FullName, ToolManifest);
            if (File.Exists(manifest) && TryPinnedVersion(manifest) is not null) return dir.FullName;
        }
        return null;
    }

    /// <summary>The kernel version the repository pins (its tool manifest's microsoft.dotnet-interactive entry).</summary>
    public static string PinnedVersion(string repositoryRoot) =>
        TryPinnedVersion(Path.Combine(repositoryRoot, ToolManifest))
        ?? throw new InvalidOperationException($"{Path.Combine(repositoryRoot, ToolManifest)} does not pin {ToolPackageId}.");

    static string? TryPinnedVersion(string manifest)
    {
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(manifest), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return json?["tools"]?[ToolPackageId]?["version"]?.GetValue<string>();
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException) { return null; }
    }

    public static string DefaultDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, DefaultFolderName);

    /// <summary>
    /// The kernel laid out in <paramref name="kernelDirectory"/> if it is current (the pinned tool
    /// version, this FSharp.Core), else null with the reason.
    /// </summary>
    public static KernelLayout? Inspect(string kernelDirectory, string pinnedVersion, string fsharpCore, out string why)
    {
        var stampPath = Path.Combine(kernelDirectory, StampFileName);
        if (!File.Exists(stampPath) || !File.Exists(Path.Combine(kernelDirectory, AppAssembly)))
        {
            why = $"no course kernel in {kernelDirectory}";
            return null;
        }
        try
        {
            var stamp = JsonNode.Parse(File.ReadAllText(stampPath))!;
            var tool = stamp["tool_version"]!.GetValue<string>();
            var fsharp = Version.Parse(stamp["fsharp_core"]!["assembly_version"]!.GetValue<string>());
            var file = stamp["fsharp_core"]!["file_version"]!.GetValue<string>();
            var wanted = FileVersionInfo.GetVersionInfo(fsharpCore).FileVersion;
            var inKernel = FileVersionInfo.GetVersionInfo(Path.Combine(kernelDirectory, "FSharp.Core.dll")).FileVersion;
            why = tool != pinnedVersion ? $"the kernel in {kernelDirectory} is {tool}; the repository pins {pinnedVersion}"
                : file != wanted || inKernel != wanted ? $"the kernel in {kernelDirectory} has FSharp.Core {inKernel}; the course needs {wanted}"
                : "";
            return why.Length == 0 ? new KernelLayout(kernelDirectory, tool, fsharp) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or NullReferenceException or FormatException or InvalidOperationException or ArgumentException)
        {
            why = $"the course kernel in {kernelDirectory} is damaged ({e.Message})";
            return null;
        }
    }

    /// <summary>
    /// The course kernel in <paramref name="kernelDirectory"/>, laid out first if it is missing or
    /// stale (restoring the pinned tool if the NuGet cache lacks it). Safe to call from several
    /// processes at once.
    /// </summary>
    public static async Task<KernelLayout> EnsureAsync(string repositoryRoot, string kernelDirectory, string fsharpCore, Action<string>? log = null)
    {
        var pinned = PinnedVersion(repositoryRoot);
        if (Inspect(kernelDirectory, pinned, fsharpCore, out _) is { } ready) return ready;
        using (await FileLock.AcquireAsync(kernelDirectory + ".lock", TimeSpan.FromMinutes(5)))
        {
            if (Inspect(kernelDirectory, pinned, fsharpCore, out var why) is { } done) return done;
            log?.Invoke($"Laying out the course kernel ({why}).");
            return await LayOutAsync(repositoryRoot, kernelDirectory, fsharpCore, log);
        }
    }

    /// <summary>Copies the pinned tool into <paramref name="kernelDirectory"/> with the course's FSharp.Core (replacing what was there).</summary>
    public static async Task<KernelLayout> LayOutAsync(string repositoryRoot, string kernelDirectory, string fsharpCore, Action<string>? log = null)
    {
        var version = PinnedVersion(repositoryRoot);
        var tool = await ToolFolderAsync(repositoryRoot, version, log);
        var fsharpVersion = AssemblyName.GetAssemblyName(fsharpCore).Version!;
        var fsharpFile = FileVersionInfo.GetVersionInfo(fsharpCore).FileVersion ?? "";
        var shippedVersion = AssemblyName.GetAssemblyName(Path.Combine(tool, "FSharp.Core.dll")).Version!;

        var target = Path.GetFullPath(kernelDirectory);
        var staging = target + ".staging-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        CopyTree(tool, staging);

        // The one change: FSharp.Core 10.1 in place of the tool's 10.0 (see the class comment).
        File.Copy(fsharpCore, Path.Combine(staging, "FSharp.Core.dll"), overwrite: true);
        File.Delete(Path.Combine(staging, "FSharp.Core.xml"));
        foreach (var satellite in Directory.GetFiles(staging, "FSharp.Core.resources.dll", SearchOption.AllDirectories))
            File.Delete(satellite);   // the 10.0 satellites do not match 10.1; English messages remain
        RewriteDependencies(Path.Combine(staging, "Microsoft.DotNet.Interactive.App.deps.json"), fsharpVersion, fsharpFile);

        var stamp = new JsonObject
        {
            ["what"] = "The .NET Interactive kernel as the course runs it (README: 'The course kernel'). Made by `course kernel install`; delete the folder to remove it.",
            ["tool"] = ToolPackageId,
            ["tool_version"] = version,
            ["copied_from"] = tool,
            ["fsharp_core"] = new JsonObject
            {
                ["assembly_version"] = fsharpVersion.ToString(),
                ["file_version"] = fsharpFile,
                ["replaces_assembly_version"] = shippedVersion.ToString(),
                ["why"] = "Plotly.NET 6.0.0 needs FSharp.Core 10.1; the tool ships 10.0, which splits FSharp.Core in the kernel and breaks every chart.",
            },
            ["laid_out_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        await File.WriteAllTextAsync(Path.Combine(staging, StampFileName), stamp.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        // Swap in one rename; a kernel still running from the old folder keeps its open files.
        var old = target + ".old-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(target)) Directory.Move(target, old);
        Directory.Move(staging, target);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        log?.Invoke($"Course kernel: {ToolPackageId} {version} in {target}, with FSharp.Core {fsharpVersion} (file {fsharpFile}) in place of {shippedVersion}.");
        return new KernelLayout(target, version, fsharpVersion);
    }

    /// <summary>The pinned tool's files in the NuGet cache, restored with `dotnet tool restore` if missing.</summary>
    public static async Task<string> ToolFolderAsync(string repositoryRoot, string version, Action<string>? log = null)
    {
        var packages = await GlobalPackagesFolderAsync();
        var folder = ToolFolder(packages, version);
        if (folder is not null) return folder;

        log?.Invoke($"Restoring the pinned kernel tool ({ToolPackageId} {version}): dotnet tool restore");
        var (code, output) = await DotnetHost.RunAsync(["tool", "restore"], repositoryRoot, TimeSpan.FromMinutes(10));
        folder = ToolFolder(packages, version);
        return folder ?? throw new InvalidOperationException(
            $"dotnet tool restore did not provide {ToolPackageId} {version} (exit code {code}). " +
            "It needs the NuGet feed once; run `dotnet tool restore` at the top of the repository and retry.\n" + output.Trim());
    }

    static string? ToolFolder(string packages, string version)
    {
        var tools = Path.Combine(packages, ToolPackageId, version.ToLowerInvariant(), "tools");
        if (!Directory.Exists(tools)) return null;
        return Directory.GetFiles(tools, AppAssembly, SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName).OrderDescending(StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>NuGet's global packages folder: NUGET_PACKAGES, else what `dotnet nuget locals` says.</summary>
    public static async Task<string> GlobalPackagesFolderAsync()
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        var (code, output) = await DotnetHost.RunAsync(["nuget", "locals", "global-packages", "--list"], null, TimeSpan.FromMinutes(1));
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        if (code == 0 && line is not null) return line["global-packages:".Length..].Trim().TrimEnd('/', '\\');
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
    }

    // The deps file names every assembly the host loads: FSharp.Core's entry gets the new version,
    // and the satellites removed above leave it.
    static void RewriteDependencies(string depsFile, Version assemblyVersion, string fileVersion)
    {
        var deps = JsonNode.Parse(File.ReadAllText(depsFile))!;
        foreach (var (_, libraries) in deps["targets"]!.AsObject())
            foreach (var (name, library) in libraries!.AsObject())
            {
                if (!name.StartsWith("FSharp.Core/", StringComparison.Ordinal) || library is not JsonObject entry) continue;
                foreach (var (_, asset) in entry["runtime"]?.AsObject() ?? [])
                {
                    asset!["assemblyVersion"] = assemblyVersion.ToString();
                    asset["fileVersion"] = fileVersion;
                }
                entry.Remove("resources");
            }
        File.WriteAllText(depsFile, deps.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
