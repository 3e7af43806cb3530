using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MlpRevival.Notebooks.Kernels;

/// <summary>
/// Ends a process and everything it started, also what tried to get away: the whole tree is
/// stopped (SIGSTOP, so nothing forks in between), listed, and then killed — children included
/// that a dying parent would have left to be reparented. (Process.Kill(entireProcessTree) kills
/// the root before it looks for children; a sandbox's PID-namespace init, reparented in between,
/// then survived with every process a submission had started.) Killing that init also ends every
/// process in its namespace.
/// </summary>
public static class ProcessTree
{
    const int SigKill = 9, SigStop = 19;

    /// <summary>A process as it was when it was seen: its id and start time (so a reused id is not mistaken for it).</summary>
    public readonly record struct Member(int Pid, long StartTime);

    /// <summary>The processes of a tree now, to find them again after their parent has gone.</summary>
    public static IReadOnlyList<Member> Snapshot(int root) =>
        Tree(root).Select(p => new Member(p, StartTime(p))).Where(m => m.StartTime > 0).ToList();

    public static void Kill(Process root, IEnumerable<Member>? known = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            try { root.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
            return;
        }
        // The roots: the process, if it still runs, and every process seen in its tree before that
        // is still the same process. A sandbox's outer bubblewrap exits with the kernel while the
        // PID-namespace init it forked lives on (reparented) with whatever the kernel started.
        var roots = new List<int>();
        try { if (!root.HasExited) roots.Add(root.Id); } catch (InvalidOperationException) { }
        roots.AddRange((known ?? []).Where(m => StartTime(m.Pid) == m.StartTime).Select(m => m.Pid));
        var stopped = new HashSet<int>();
        for (int pass = 0; pass < 5; pass++)
        {
            var fresh = roots.SelectMany(Tree).Where(stopped.Add).ToList();
            if (fresh.Count == 0) break;
            foreach (var p in fresh) _ = Signal(p, SigStop);
        }
        foreach (var p in roots.SelectMany(Tree).Concat(stopped).Distinct()) _ = Signal(p, SigKill);
    }

    /// <summary>The PID namespace of a process (the target of /proc/PID/ns/pid), or null.</summary>
    public static string? Namespace(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Kills every process in a PID namespace other than this process's own — all a sandbox holds,
    /// however its processes were reparented or detached (setsid, double fork).
    /// </summary>
    public static void KillNamespace(string pidNamespace)
    {
        if (!OperatingSystem.IsLinux() || pidNamespace == Namespace(Environment.ProcessId)) return;
        // Until nothing in it is alive (a process being created while we look is caught next time).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var alive = Living(pidNamespace);
            if (alive.Count == 0) return;
            foreach (var pid in alive) _ = Signal(pid, SigKill);
            Thread.Sleep(20);
        }
    }

    /// <summary>The processes of a PID namespace that are alive (not zombies awaiting their parent).</summary>
    public static IReadOnlyList<int> Living(string pidNamespace) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Namespace(pid) == pidNamespace && State(pid) is not ('Z' or 'X' or '?'))
            .ToList();

    static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException) { return '?'; }
    }

    /// <summary>A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), 0 if it is gone.</summary>
    public static long StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return 0; }
    }

    /// <summary>The process and its descendants, from /proc (parent ids read from each /proc/PID/stat).</summary>
    public static IReadOnlyList<int> Tree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // after "pid (comm) ": state ppid …
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
                list.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        var tree = new List<int>();
        var pending = new Stack<int>([root]);
        while (pending.Count > 0)
        {
            var p = pending.Pop();
            tree.Add(p);
            if (children.TryGetValue(p, out var kids)) foreach (var k in kids) pending.Push(k);
        }
        return tree;
    }

    // kill(2): .NET sends only SIGKILL (Process.Kill); stopping first needs SIGSTOP.
    static int Signal(int pid, int signal) => kill(pid, signal);

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
