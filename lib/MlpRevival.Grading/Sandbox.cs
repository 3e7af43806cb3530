using System.Diagnostics;
using System.Globalization;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Grading;

/// <summary>A host folder a submission may read, and where it appears inside the sandbox.</summary>
public sealed record ReadOnlyMount(string HostPath, string SandboxPath);

/// <summary>
/// Where a submission's kernel runs.
///
/// With bubblewrap (Linux, Debian's <c>bubblewrap</c> package) the kernel gets its own mount,
/// PID, network and IPC namespaces: it sees the system folders, the .NET runtime, the course
/// kernel, the course's build outputs and data read-only, an empty scratch notebook folder and a
/// private /tmp (both small tmpfs) — and nothing else: not the instructor's notebooks, not the
/// grader's output, not other submissions, no network, an empty environment.
///
/// Whoever starts the grader, the submission runs as an unprivileged user with no capabilities:
/// when the grader is root (CI, many grading containers), bubblewrap sets up the mounts as root
/// and the kernel is started through setpriv(1) as <c>nobody</c> (uid/gid 65534) with every
/// capability dropped and no-new-privileges — so it cannot remount anything read-write, read
/// <c>/etc/shadow</c> or another process's environment, or write outside its scratch folder.
/// (bubblewrap's own user namespace would map the sandbox user to root outside, whose files it
/// could then read by owner permission.) As root the number of processes and threads is limited
/// too (RLIMIT_NPROC, per user). Without bubblewrap the kernel runs as the grader's user, in the
/// instructor's notebook folder: grades stay safe (the grader reads every input before and writes
/// every output after the run), but the submission can read what that user can read.
/// </summary>
public sealed class Sandbox
{
    public const string NotebookFolderInside = "/course/notebooks";

    Sandbox(string? bwrap) => Bubblewrap = bwrap;

    /// <summary>The bubblewrap executable, or null when submissions run unsandboxed.</summary>
    public string? Bubblewrap { get; }

    public bool IsIsolated => Bubblewrap is not null;

    /// <summary>The unprivileged user a root grader runs submissions as.</summary>
    public const int Nobody = 65534;

    /// <summary>Processes and threads the sandbox user may have at once (RLIMIT_NPROC; the kernel itself uses about 60).</summary>
    public const int MaxProcesses = 256;

    /// <summary>Size of the scratch notebook folder and of /tmp in the sandbox (tmpfs, in memory).</summary>
    public const long ScratchBytes = 256L << 20;

    public string Description => (IsIsolated
        ? "bubblewrap: own mount/PID/network namespaces; sees only the runtime, the course build and data, read-only"
          + (DropsToNobody ? $"; runs as nobody (uid {Nobody}) with no capabilities, at most {MaxProcesses} processes" : "; runs as this user")
        : "none: bubblewrap is not available, submissions run as this user (install Debian's bubblewrap package)")
        + (Prlimit is null ? "; memory: resident-memory watch only (no prlimit here)" : "; memory: RLIMIT_DATA");

    /// <summary>True when the grader is root and submissions are dropped to nobody inside the sandbox.</summary>
    public bool DropsToNobody => IsIsolated && Environment.IsPrivilegedProcess && Setpriv is not null;

    /// <summary>setpriv(1), from util-linux, when this host has it.</summary>
    public static string? Setpriv { get; } = OperatingSystem.IsLinux() ? FindOnPath("setpriv") : null;

    /// <summary>Bubblewrap when it is installed and works here; otherwise none, or an error when isolation is required.</summary>
    public static Sandbox Detect(bool requireIsolation)
    {
        var bwrap = OperatingSystem.IsLinux() ? FindOnPath("bwrap") : null;
        if (bwrap is not null && Works(bwrap))
        {
            if (Environment.IsPrivilegedProcess && Setpriv is null)
                throw new InvalidOperationException("The grader runs as root and setpriv (util-linux) is missing: submissions would run as root " +
                                                    "inside the sandbox. Install util-linux, or run the grader as an ordinary user.");
            return new Sandbox(bwrap);
        }
        if (requireIsolation)
            throw new InvalidOperationException(bwrap is null
                ? "--isolation required: bubblewrap (bwrap) is not installed. On Debian/Ubuntu: sudo apt-get install bubblewrap."
                : "--isolation required: bubblewrap is installed but cannot create namespaces here (unprivileged user namespaces disabled?).");
        return new Sandbox(null);
    }

    /// <summary>
    /// The command that starts the course kernel for one submission, speaking the stdio protocol.
    /// <paramref name="hostNotebookFolder"/> is the folder relative #r and data paths resolve
    /// against; inside the sandbox it is an empty folder at the same place relative to the mounts.
    /// </summary>
    public ProcessStartInfo KernelCommand(KernelLayout kernel, long memoryBytes, string hostNotebookFolder, IReadOnlyList<ReadOnlyMount> mounts)
    {
        var dotnet = DotnetHost.Path;
        var start = new ProcessStartInfo { UseShellExecute = false };
        // The managed heap's hard limit makes a memory bomb fail inside its cell; the grader also
        // watches the whole process tree's resident memory for native allocations (tensors).
        var environment = new Dictionary<string, string>(CourseKernel.QuietEnvironment)
        {
            ["DOTNET_GCHeapHardLimit"] = "0x" + (memoryBytes * 3 / 4).ToString("X"),
            ["DOTNET_gcServer"] = "0",
            ["MLP_REVIVAL_DEVICE"] = "cpu",
        };

        if (Bubblewrap is null)
        {
            start.WorkingDirectory = hostNotebookFolder;
            foreach (var (k, v) in environment) start.Environment[k] = v;
            return WithDataLimit(start, memoryBytes, [dotnet, .. kernel.StdioArguments(hostNotebookFolder)], null);
        }

        var args = new List<string> { Bubblewrap };
        // As root, no user namespace (setpriv below needs the real nobody); otherwise bubblewrap's
        // own user namespace is what lets an ordinary user sandbox at all.
        args.AddRange(DropsToNobody
            ? ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
            : ["--unshare-all"]);
        // Not --die-with-parent: it fires when the *thread* that started bwrap ends (PR_SET_PDEATHSIG),
        // and .NET starts processes from pool threads that come and go. The grader kills the tree itself.
        args.AddRange(["--new-session", "--clearenv", "--proc", "/proc", "--dev", "/dev",
            "--size", ScratchBytes.ToString(CultureInfo.InvariantCulture), "--perms", "1777", "--tmpfs", "/tmp",
            "--size", ScratchBytes.ToString(CultureInfo.InvariantCulture), "--perms", "0755", "--tmpfs", "/course"]);
        foreach (var system in new[] { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc" })
            if (Directory.Exists(system)) args.AddRange(["--ro-bind", system, system]);
        var dotnetRoot = Path.GetDirectoryName(Path.GetFullPath(ResolveLinks(dotnet)))!;
        var binds = new List<(string Host, string Inside)>();
        if (!dotnetRoot.StartsWith("/usr/", StringComparison.Ordinal)) binds.Add((dotnetRoot, dotnetRoot));
        // The kernel at its own path, read-only: the same files VS Code runs.
        binds.Add((kernel.Directory, kernel.Directory));
        binds.AddRange(mounts.Select(m => (m.HostPath, m.SandboxPath)));
        // The folders above each mount point, made traversable first (bubblewrap would make them
        // 0700, closed to the unprivileged user the kernel runs as).
        var made = new HashSet<string>(StringComparer.Ordinal) { "/", "/tmp", "/course" };
        foreach (var (_, inside) in binds)
            for (var dir = Path.GetDirectoryName(inside); dir is not null && !made.Contains(dir); dir = Path.GetDirectoryName(dir))
                made.Add(dir);
        foreach (var dir in made.Where(d => d is not ("/" or "/tmp" or "/course")).OrderBy(d => d.Length))
            args.AddRange(["--perms", "0755", "--dir", dir]);
        foreach (var (host, inside) in binds) args.AddRange(["--ro-bind", host, inside]);
        args.AddRange(["--perms", "1777", "--dir", NotebookFolderInside, "--chdir", NotebookFolderInside]);
        foreach (var (k, v) in environment.Concat([
                     KeyValuePair.Create("HOME", "/tmp"), KeyValuePair.Create("TMPDIR", "/tmp"),
                     KeyValuePair.Create("PATH", "/usr/local/bin:/usr/bin:/bin"), KeyValuePair.Create("LANG", "C.UTF-8"),
                     KeyValuePair.Create("DOTNET_ROOT", dotnetRoot)]))
            args.AddRange(["--setenv", k, v]);
        if (DropsToNobody)
            args.AddRange([Setpriv!, $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]);
        args.Add(Path.Combine(dotnetRoot, "dotnet"));
        args.AddRange(kernel.StdioArguments(NotebookFolderInside));
        // Nothing of the grader's environment reaches the sandbox, not even bubblewrap's own
        // (the sandbox's PID 1 is bubblewrap: /proc/1/environ).
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        return WithDataLimit(start, memoryBytes, args, DropsToNobody ? MaxProcesses : null);
    }

    /// <summary>prlimit(1), from util-linux, when this host has it.</summary>
    public static string? Prlimit { get; } = OperatingSystem.IsLinux() ? FindOnPath("prlimit") : null;

    // RLIMIT_DATA caps what the kernel process may allocate (managed heap, tensors, any malloc):
    // past it an allocation fails inside the cell that made it — an OutOfMemoryException or
    // libtorch's "can't allocate memory" — and the kernel carries on, whatever the machine's load.
    // (Sampling resident memory instead gave load-dependent outcomes.) Set with prlimit on the
    // command, so every process the kernel starts inherits it.
    static ProcessStartInfo WithDataLimit(ProcessStartInfo start, long memoryBytes, IReadOnlyList<string> command, int? processes)
    {
        IEnumerable<string> line = Prlimit is null
            ? command
            : [Prlimit, $"--data={memoryBytes}:{memoryBytes}", .. processes is { } n ? new[] { $"--nproc={n}:{n}" } : [], "--", .. command];
        start.FileName = line.First();
        foreach (var a in line.Skip(1)) start.ArgumentList.Add(a);
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
