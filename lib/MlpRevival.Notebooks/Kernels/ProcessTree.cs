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

    public static void Kill(Process root)
    {
        if (!OperatingSystem.IsLinux())
        {
            try { root.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
            return;
        }
        int pid;
        try { pid = root.Id; } catch (InvalidOperationException) { return; }
        var stopped = new HashSet<int>();
        for (int pass = 0; pass < 5; pass++)
        {
            var tree = Tree(pid);
            var fresh = tree.Where(stopped.Add).ToList();
            if (fresh.Count == 0) break;
            foreach (var p in fresh) _ = Signal(p, SigStop);
        }
        foreach (var p in Tree(pid).Concat(stopped).Distinct()) _ = Signal(p, SigKill);
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
