using System.Diagnostics;

namespace MlpRevival.Grading;

/// <summary>A host folder a submission may read, and where it appears inside the sandbox.</summary>
public sealed record ReadOnlyMount(string HostPath, string SandboxPath);

/// <summary>
/// Where a submission's worker process runs.
///
/// With bubblewrap (Linux, Debian's <c>bubblewrap</c> package) the worker gets its own mount,
/// PID, network and IPC namespaces: it sees the system folders, the .NET runtime, the course's
/// build outputs and data read-only, an empty notebook folder and a private /tmp — and nothing
/// else: not the instructor's notebooks, not the grader's output, not other submissions, no
/// network, a cleared environment. Without bubblewrap the worker runs as the grader's user, in the
/// instructor's notebook folder: grades stay safe (the grader reads every input before and writes
/// every output after the run), but the submission can read what that user can read.
/// </summary>
public sealed class Sandbox
{
    public const string NotebookFolderInside = "/course/notebooks";
    const string CliFolderInside = "/grader/cli";

    Sandbox(string? bwrap) => Bubblewrap = bwrap;

    /// <summary>The bubblewrap executable, or null when submissions run unsandboxed.</summary>
    public string? Bubblewrap { get; }

    public bool IsIsolated => Bubblewrap is not null;

    public string Description => IsIsolated
        ? "bubblewrap: own mount/PID/network namespaces; sees only the runtime, the course build and data, read-only"
        : "none: bubblewrap is not available, submissions run as this user (install Debian's bubblewrap package)";

    /// <summary>Bubblewrap when it is installed and works here; otherwise none, or an error when isolation is required.</summary>
    public static Sandbox Detect(bool requireIsolation)
    {
        var bwrap = OperatingSystem.IsLinux() ? FindOnPath("bwrap") : null;
        if (bwrap is not null && Works(bwrap)) return new Sandbox(bwrap);
        if (requireIsolation)
            throw new InvalidOperationException(bwrap is null
                ? "--isolation required: bubblewrap (bwrap) is not installed. On Debian/Ubuntu: sudo apt-get install bubblewrap."
                : "--isolation required: bubblewrap is installed but cannot create namespaces here (unprivileged user namespaces disabled?).");
        return new Sandbox(null);
    }

    public static Sandbox Unsandboxed() => new(null);

    /// <summary>
    /// The command that starts one worker. <paramref name="hostNotebookFolder"/> is the folder relative
    /// #r and data paths resolve against; inside the sandbox it is an empty folder at the same place
    /// relative to the mounts.
    /// </summary>
    public ProcessStartInfo WorkerCommand(string workerFolder, string notebookName, TimeSpan cellTimeout, TimeSpan wallTime, long memoryBytes,
        string hostNotebookFolder, IReadOnlyList<ReadOnlyMount> mounts)
    {
        var cli = Path.Combine(workerFolder, "course.dll");
        var dotnet = DotnetHost();
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The managed heap's hard limit makes a memory bomb fail inside its cell; the grader also
        // watches the whole process tree's resident memory for native allocations (tensors).
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_GCHeapHardLimit"] = "0x" + (memoryBytes * 3 / 4).ToString("X"),
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["MLP_REVIVAL_DEVICE"] = "cpu",
        };
        string[] workerArgs(string cliPath, string folder) =>
            [cliPath, "grade-worker", "--notebook-folder", folder, "--name", notebookName,
             "--cell-timeout", cellTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--wall-time", wallTime.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        if (Bubblewrap is null)
        {
            start.FileName = dotnet;
            start.WorkingDirectory = hostNotebookFolder;
            foreach (var a in workerArgs(cli, hostNotebookFolder)) start.ArgumentList.Add(a);
            foreach (var (k, v) in environment) start.Environment[k] = v;
            return start;
        }

        start.FileName = Bubblewrap;
        var args = new List<string>
        {
            // Not --die-with-parent: it fires when the *thread* that started bwrap ends (PR_SET_PDEATHSIG),
            // and .NET starts processes from pool threads that come and go. The grader kills the tree
            // itself, and the worker ends on its own at its wall time or when its input closes.
            "--unshare-all", "--new-session", "--clearenv",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        };
        foreach (var system in new[] { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc" })
            if (Directory.Exists(system)) args.AddRange(["--ro-bind", system, system]);
        var dotnetRoot = Path.GetDirectoryName(Path.GetFullPath(ResolveLinks(dotnet)))!;
        if (!dotnetRoot.StartsWith("/usr/", StringComparison.Ordinal)) args.AddRange(["--ro-bind", dotnetRoot, dotnetRoot]);
        args.AddRange(["--ro-bind", workerFolder, CliFolderInside]);
        foreach (var mount in mounts) args.AddRange(["--ro-bind", mount.HostPath, mount.SandboxPath]);
        args.AddRange(["--dir", NotebookFolderInside, "--chdir", NotebookFolderInside]);
        foreach (var (k, v) in environment.Concat([
                     KeyValuePair.Create("HOME", "/tmp"), KeyValuePair.Create("TMPDIR", "/tmp"),
                     KeyValuePair.Create("PATH", "/usr/local/bin:/usr/bin:/bin"), KeyValuePair.Create("LANG", "C.UTF-8"),
                     KeyValuePair.Create("DOTNET_ROOT", dotnetRoot)]))
            args.AddRange(["--setenv", k, v]);
        args.Add(Path.Combine(dotnetRoot, "dotnet"));
        args.AddRange(workerArgs(Path.Combine(CliFolderInside, "course.dll"), NotebookFolderInside));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>
    /// The read-only mounts for a course laid out as in this repository: each folder the notebook
    /// references with #r (the course library's build output) and each data folder. A relative
    /// reference is placed where the sandbox's notebook folder expects it; an absolute one at its
    /// own path (the sandbox's private /tmp is mounted first, so this works under /tmp too).
    /// </summary>
    public static IReadOnlyList<ReadOnlyMount> MountsFor(string hostNotebookFolder, IEnumerable<string> referencedFiles, IEnumerable<string> dataFolders)
    {
        var mounts = new List<ReadOnlyMount>();
        var folders = referencedFiles.Select(f => (Path: Path.GetDirectoryName(Path.GetFullPath(Path.Combine(hostNotebookFolder, f)))!, Rooted: Path.IsPathRooted(f)))
            .Concat(dataFolders.Select(d => (Path: Path.GetFullPath(Path.Combine(hostNotebookFolder, d)), Rooted: Path.IsPathRooted(d))))
            .Where(f => Directory.Exists(f.Path)).Distinct().ToList();
        foreach (var (folder, rooted) in folders)
        {
            var inside = rooted ? folder
                : Path.GetFullPath(Path.Combine(NotebookFolderInside, Path.GetRelativePath(hostNotebookFolder, folder)));
            if (inside == NotebookFolderInside || inside.StartsWith(NotebookFolderInside + "/", StringComparison.Ordinal))
                throw new InvalidOperationException($"{folder} lies inside the instructor's notebook folder; keep build outputs and data beside it, not in it.");
            if (mounts.Any(m => m.SandboxPath == inside)) continue;
            mounts.Add(new ReadOnlyMount(folder, inside));
        }
        return mounts;
    }

    static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet") return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return FindOnPath("dotnet") ?? throw new InvalidOperationException("Cannot find the dotnet host to start the grading worker.");
    }

    static string ResolveLinks(string path)
    {
        var info = new FileInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    static bool Works(string bwrap)
    {
        try
        {
            var probe = new ProcessStartInfo(bwrap) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true" })
                probe.ArgumentList.Add(a);
            using var process = Process.Start(probe)!;
            if (!process.WaitForExit(10_000)) { process.Kill(true); return false; }
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    }
}
