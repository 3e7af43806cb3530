using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlpRevival.Notebooks.Kernels;

/// <summary>What one registration step found or did, for `course kernel install|status|uninstall`.</summary>
public sealed record RegistrationReport(string Front, string Location, bool Ok, string Detail);

/// <summary>
/// Jupyter: the course kernel as the kernelspec <c>.net-csharp</c> — the name the notebooks'
/// metadata carry — in the user's Jupyter data folder, where JupyterLab, nbconvert and VS Code's
/// Jupyter extension find kernels. A <c>.net-csharp</c> spec that is not ours (say from
/// `dotnet interactive jupyter install`) is moved aside to <c>mlp-revival-backup/</c> in the same
/// data folder (outside <c>kernels/</c>, so Jupyter does not list it) and put back on uninstall.
/// </summary>
public static class JupyterKernelSpec
{
    public const string Name = ".net-csharp";
    const string Marker = "mlp_revival";

    /// <summary>jupyter_core's data folder: JUPYTER_DATA_DIR, else the platform's user data folder.</summary>
    public static string DefaultDataDirectory()
    {
        var env = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows()) return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter");
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Jupyter");
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(xdg) ? Path.Combine(home, ".local", "share") : xdg, "jupyter");
    }

    public static string SpecDirectory(string dataDirectory) => Path.Combine(dataDirectory, "kernels", Name);

    static string BackupDirectory(string dataDirectory) => Path.Combine(dataDirectory, "mlp-revival-backup", "kernels", Name);

    public static JsonObject Spec(KernelLayout kernel, string dotnet)
    {
        var argv = new JsonArray();
        foreach (var a in kernel.JupyterArgv(dotnet)) argv.Add(a);
        var env = new JsonObject();
        foreach (var (k, v) in CourseKernel.QuietEnvironment) env[k] = v;
        return new JsonObject
        {
            ["argv"] = argv,
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["env"] = env,
            ["metadata"] = new JsonObject
            {
                // As the kernel's own spec: VS Code hands .net-csharp notebooks to Polyglot Notebooks when it is installed.
                ["vscode"] = new JsonObject { ["extension_id"] = "ms-dotnettools.dotnet-interactive-vscode", ["kernel_id"] = "dotnet-interactive" },
                [Marker] = new JsonObject
                {
                    ["kernel"] = kernel.Directory,
                    ["installed_by"] = "course kernel install (MLP Revival); `course kernel uninstall` removes it",
                },
            },
        };
    }

    public static RegistrationReport Install(string dataDirectory, KernelLayout kernel, string dotnet)
    {
        var folder = SpecDirectory(dataDirectory);
        var existing = Read(folder);
        string detail = "";
        if (existing is not null && !IsOurs(existing))
        {
            var backup = BackupDirectory(dataDirectory);
            if (Directory.Exists(backup)) Directory.Delete(folder, recursive: true);   // the original is already kept
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(backup)!);
                Directory.Move(folder, backup);
            }
            detail = $"the {Name} kernelspec that was there is kept in {backup} and comes back on uninstall; ";
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "kernel.json"), Spec(kernel, dotnet).ToJsonString(Indented) + "\n");
        return new RegistrationReport("Jupyter", folder, true, detail + $"kernelspec {Name} runs {kernel.AppDll}");
    }

    public static RegistrationReport Status(string dataDirectory, string? kernelDirectory)
    {
        var folder = SpecDirectory(dataDirectory);
        var spec = Read(folder);
        if (spec is null) return new RegistrationReport("Jupyter", folder, false, $"no {Name} kernelspec");
        if (!IsOurs(spec)) return new RegistrationReport("Jupyter", folder, false, $"a {Name} kernelspec that is not the course kernel (course kernel install replaces it, keeping a copy)");
        var dir = spec["metadata"]?[Marker]?["kernel"]?.GetValue<string>();
        var dll = spec["argv"]?.AsArray().ElementAtOrDefault(1)?.GetValue<string>();
        if (dll is null || !File.Exists(dll)) return new RegistrationReport("Jupyter", folder, false, $"the course kernelspec points to {dll}, which is gone (run course kernel install)");
        if (kernelDirectory is not null && !PathsEqual(dir, kernelDirectory))
            return new RegistrationReport("Jupyter", folder, false, $"the course kernelspec runs the kernel in {dir}, not this repository's {kernelDirectory}");
        return new RegistrationReport("Jupyter", folder, true, $"kernelspec {Name} runs {dll}");
    }

    public static RegistrationReport Uninstall(string dataDirectory)
    {
        var folder = SpecDirectory(dataDirectory);
        var spec = Read(folder);
        if (spec is not null && !IsOurs(spec))
            return new RegistrationReport("Jupyter", folder, true, $"left alone: the {Name} kernelspec there is not the course kernel's");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var backup = BackupDirectory(dataDirectory);
        if (Directory.Exists(backup))
        {
            Directory.Move(backup, folder);
            DeleteIfEmpty(Path.GetDirectoryName(backup)!);
            DeleteIfEmpty(Path.GetDirectoryName(Path.GetDirectoryName(backup)!)!);
            return new RegistrationReport("Jupyter", folder, true, $"removed the course kernelspec and put back the {Name} kernelspec it had replaced");
        }
        return new RegistrationReport("Jupyter", folder, true, spec is null ? "nothing to remove" : "removed the course kernelspec");
    }

    static JsonObject? Read(string folder)
    {
        var file = Path.Combine(folder, "kernel.json");
        if (!File.Exists(file)) return null;
        try { return JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? new JsonObject(); }
        catch (JsonException) { return new JsonObject(); }   // unreadable: not ours, keep it
    }

    static bool IsOurs(JsonObject spec) => spec["metadata"]?[Marker] is not null;

    static void DeleteIfEmpty(string folder)
    {
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
    }

    public static bool PathsEqual(string? a, string? b) =>
        a is not null && b is not null &&
        string.Equals(Path.GetFullPath(a).TrimEnd('/', '\\'), Path.GetFullPath(b).TrimEnd('/', '\\'),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}

/// <summary>
/// VS Code Polyglot Notebooks: the extension launches its kernel from the setting
/// <c>dotnet-interactive.kernelTransportArgs</c>, filling in <c>{dotnet_path}</c> and
/// <c>{working_dir}</c> (the notebook's folder), in the folder
/// <c>dotnet-interactive.kernelTransportWorkingDirectory</c>. The repository's committed
/// <c>.vscode/settings.json</c> points both at the course kernel; since VS Code does not expand
/// <c>${workspaceFolder}</c> in settings, the path is relative to the notebook's folder, which is
/// right for notebooks one folder below the top (notebooks/, a release/ folder). The dev container
/// sets the same with its absolute workspace path.
/// </summary>
public static class VsCodeSettings
{
    public const string ArgsKey = "dotnet-interactive.kernelTransportArgs";
    public const string WorkingDirectoryKey = "dotnet-interactive.kernelTransportWorkingDirectory";
    public const string ToolVersionKey = "dotnet-interactive.requiredInteractiveToolVersion";

    public static string SettingsFile(string workspace) => Path.Combine(workspace, ".vscode", "settings.json");

    /// <summary>The launch settings for a kernel folder at <paramref name="kernelPath"/>, as VS Code will see it.</summary>
    public static IReadOnlyDictionary<string, JsonNode> Expected(string kernelPath, string toolVersion) => new Dictionary<string, JsonNode>
    {
        [ArgsKey] = new JsonArray("{dotnet_path}", $"{kernelPath}/{CourseKernel.AppAssembly}", "[vscode]", "stdio", "--working-dir", "{working_dir}"),
        [WorkingDirectoryKey] = JsonValue.Create("{working_dir}"),
        // The extension also installs a kernel of its own on start; let it be the version the course pins.
        [ToolVersionKey] = JsonValue.Create(toolVersion),
    };

    /// <summary>
    /// How the settings name a kernel folder: the workspace's own .kernel/ relative to the notebook's
    /// folder (so the committed file holds no machine's path), any other folder by its absolute path.
    /// </summary>
    public static string KernelPathFor(string workspace, string kernelDirectory) =>
        JupyterKernelSpec.PathsEqual(kernelDirectory, Path.Combine(workspace, CourseKernel.DefaultFolderName))
            ? "{working_dir}/../" + CourseKernel.DefaultFolderName
            : Path.GetFullPath(kernelDirectory);

    /// <summary>
    /// What VS Code would run for a notebook in <paramref name="notebookFolder"/>: the settings'
    /// arguments with the extension's placeholders filled in, and the working directory.
    /// </summary>
    public static (IReadOnlyList<string> Command, string WorkingDirectory)? LaunchFor(JsonObject settings, string notebookFolder, string dotnet)
    {
        if (settings[ArgsKey] is not JsonArray args || args.Count == 0) return null;
        string Fill(string template) => template.Replace("{dotnet_path}", dotnet).Replace("{working_dir}", notebookFolder);
        var command = args.Select(a => Fill(a!.GetValue<string>())).ToList();
        var working = Fill(settings[WorkingDirectoryKey]?.GetValue<string>() ?? "{global_storage_path}");
        return (command, working);
    }

    public static JsonObject? Read(string file)
    {
        if (!File.Exists(file)) return null;
        return JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions
            { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject;
    }

    /// <summary>Makes the workspace's settings launch the course kernel (other settings are kept).</summary>
    public static RegistrationReport Install(string workspace, string kernelDirectory, string toolVersion)
    {
        var file = SettingsFile(workspace);
        JsonObject settings;
        try { settings = Read(file) ?? new JsonObject(); }
        catch (JsonException e)
        {
            return new RegistrationReport("VS Code", file, false, $"not changed: the file is not valid JSON ({e.Message}); add the settings from the README by hand");
        }
        var expected = Expected(KernelPathFor(workspace, kernelDirectory), toolVersion);
        var missing = expected.Where(kv => !JsonNode.DeepEquals(settings[kv.Key], kv.Value)).Select(kv => kv.Key).ToList();
        if (missing.Count == 0) return new RegistrationReport("VS Code", file, true, "Polyglot Notebooks launches the course kernel (already set)");
        foreach (var key in missing) settings[key] = expected[key].DeepClone();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, settings.ToJsonString(JupyterKernelSpec.Indented) + "\n");
        return new RegistrationReport("VS Code", file, true, $"Polyglot Notebooks launches the course kernel (set {string.Join(", ", missing)})");
    }

    public static RegistrationReport Status(string workspace, string kernelDirectory, string toolVersion)
    {
        var file = SettingsFile(workspace);
        JsonObject? settings;
        try { settings = Read(file); }
        catch (JsonException e) { return new RegistrationReport("VS Code", file, false, $"not valid JSON: {e.Message}"); }
        if (settings is null) return new RegistrationReport("VS Code", file, false, "no workspace settings: Polyglot Notebooks would start its own kernel, without the course's FSharp.Core (run course kernel install)");
        var launch = LaunchFor(settings, Path.Combine(workspace, "notebooks"), DotnetHost.Path);
        var dll = launch?.Command.ElementAtOrDefault(1);
        if (dll is null || !JupyterKernelSpec.PathsEqual(dll, Path.Combine(kernelDirectory, CourseKernel.AppAssembly)))
            return new RegistrationReport("VS Code", file, false, $"{ArgsKey} does not launch the course kernel in {kernelDirectory} (run course kernel install)");
        return new RegistrationReport("VS Code", file, true, $"Polyglot Notebooks launches {dll} for notebooks in notebooks/");
    }
}
