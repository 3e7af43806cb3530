using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Grading;

/// <summary>How long and how much one submission may take.</summary>
public sealed record GradingLimits(TimeSpan CellTimeout, TimeSpan WallTime, long MemoryBytes)
{
    public static GradingLimits Default => new(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(20), 4L << 30);
}

/// <summary>What one cell did in the kernel.</summary>
public sealed record CellResult(JsonArray Outputs, JsonNode? Execution, string? FailureKind, string? FailureMessage, int ProtocolForgeries = 0)
{
    public bool Succeeded => FailureKind is null;
}

/// <summary>One submission's run: results of the cells that ran, and why it stopped early, if it did.</summary>
public sealed record WorkerRun(IReadOnlyDictionary<string, CellResult> Results, string? Stopped, TimeSpan Elapsed, string Stderr);

/// <summary>
/// Runs an assembled notebook in the course kernel inside the sandbox, one cell at a time, as the
/// grader sends it — so the code of a cell the submission has not reached (hidden tests included)
/// is not in the kernel yet — and enforces the limits:
/// <list type="bullet">
/// <item>a cell that runs past the cell time ends the kernel and every process it started (the C#
/// kernel cannot stop running code; left running it would hold up every later cell and keep a
/// core busy). The grader then starts a fresh kernel, replays the cells that had run before it,
/// and goes on with the next cell, so later exercises are still graded;</item>
/// <item>the wall time of the whole submission;</item>
/// <item>memory: the managed heap is capped in the kernel, and the grader ends the kernel's process
/// tree when its resident memory passes the limit.</item>
/// </list>
/// </summary>
public static class SubmissionRunner
{
    static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    public static async Task<WorkerRun> RunAsync(NotebookDocument graded, Func<ProcessStartInfo> kernelCommand, GradingLimits limits)
    {
        var clock = Stopwatch.StartNew();
        var wallDeadline = DateTime.UtcNow + limits.WallTime;
        var results = new Dictionary<string, CellResult>();
        var finished = new List<NotebookCell>();   // ran to the end, succeeded or threw: what a fresh kernel replays
        string? stopped = null, stderr = "";
        var cells = Numbered(graded);
        KernelConnection? kernel = null;
        MemoryWatch? memory = null;
        try
        {
            (kernel, memory, stopped) = await StartAsync(kernelCommand, limits, wallDeadline, replay: []);
            for (int i = 0; i < cells.Count && stopped is null; i++)
            {
                var (cell, number) = cells[i];
                var left = wallDeadline - DateTime.UtcNow;
                var limit = left < limits.CellTimeout ? left : limits.CellTimeout;
                var copy = new NotebookCell((JsonObject)cell.Json.DeepClone());
                var (failure, run) = await NotebookRunner.RunCellAsync(kernel!, copy, number, limit, CellOutputs.DefaultLimit,
                    "so the grader ended the kernel, started a fresh one with the cells before this one, and went on (course grade --cell-timeout sets the limit)");
                var forgeries = run.ProtocolForgeries;

                if (failure?.Kind == FailureKind.Kernel)
                {
                    stderr = kernel!.Stderr;
                    stopped = memory!.Stop ?? $"the kernel ended in cell {number} (id {cell.Id}): {FirstLine(failure.Message)}";
                    results[cell.Id] = Result(copy, failure, forgeries);
                    break;
                }
                if (failure?.Kind == FailureKind.Timeout && DateTime.UtcNow >= wallDeadline)
                {
                    stopped = $"it ran past the wall-time limit ({limits.WallTime.TotalSeconds:0} s) in cell {number} (id {cell.Id})";
                    results[cell.Id] = Result(copy, failure, forgeries);
                    break;
                }
                results[cell.Id] = Result(copy, failure, forgeries);
                if (failure?.Kind != FailureKind.Timeout) finished.Add(cell);
                else
                {
                    memory!.Dispose();
                    await kernel!.DisposeAsync();
                    (kernel, memory, stopped) = await StartAsync(kernelCommand, limits, wallDeadline, finished);
                }
            }
        }
        finally
        {
            if (kernel is not null)
            {
                if (stderr.Length == 0) stderr = kernel.Stderr;
                await kernel.DisposeAsync();
            }
            memory?.Dispose();
        }
        return new WorkerRun(results, stopped, clock.Elapsed, stderr);
    }

    // A kernel, with the cells that had run replayed into it (their outputs are not kept). A cell that
    // threw keeps its declarations in the kernel, so it is replayed too, and may throw again; only a
    // replay that cannot finish (a timeout, the kernel ending) stops the submission.
    static async Task<(KernelConnection?, MemoryWatch?, string?)> StartAsync(
        Func<ProcessStartInfo> command, GradingLimits limits, DateTime wallDeadline, IReadOnlyList<NotebookCell> replay)
    {
        KernelConnection kernel;
        try { kernel = await KernelConnection.StartAsync(command(), Min(StartLimit, wallDeadline - DateTime.UtcNow)); }
        catch (KernelStartException e) { return (null, null, $"the kernel did not start: {e.Message}"); }
        var memory = new MemoryWatch(kernel, limits.MemoryBytes + MemoryWatch.Slack);
        foreach (var cell in replay)
        {
            var left = wallDeadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return (kernel, memory, "it ran past the wall-time limit while the grader replayed cells after a timeout");
            var run = await kernel.SubmitAsync(cell.Source, NotebookRunner.KernelNameOf(cell), new CellOutputs(), Min(limits.CellTimeout, left));
            if (run.Status is CellStatus.TimedOut or CellStatus.KernelEnded)
                return (kernel, memory, $"after a cell timed out, replaying cell id {cell.Id} in a fresh kernel did not finish: {FirstLine(run.Message)}");
        }
        return (kernel, memory, null);
    }

    static CellResult Result(NotebookCell cell, CellFailure? failure, int forgeries) =>
        new((JsonArray)cell.Outputs.DeepClone(), cell.Metadata["execution"]?.DeepClone(),
            failure?.Kind.ToString(), failure?.Message, forgeries);

    // Code cells with their number in the source notebook (the injected-parameters cell is 0).
    static List<(NotebookCell Cell, int Number)> Numbered(NotebookDocument notebook)
    {
        var list = new List<(NotebookCell, int)>();
        int number = 0;
        foreach (var cell in notebook.Cells)
        {
            var injected = cell.HasTag(Parameters.InjectedTag);
            if (!injected) number++;
            if (cell.IsCode) list.Add((cell, injected ? 0 : number));
        }
        return list;
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    static string FirstLine(string? text) => text?.Split('\n')[0] ?? "";

    /// <summary>
    /// The backstop behind RLIMIT_DATA (see <see cref="Sandbox"/>): ends the kernel's process tree when
    /// its resident memory passes the limit plus <see cref="Slack"/> — resident memory also counts
    /// code and mapped files (libtorch alone maps about 500 MB), which the data limit does not.
    /// </summary>
    sealed class MemoryWatch : IDisposable
    {
        public const long Slack = 1L << 30;

        readonly CancellationTokenSource stop = new();

        public MemoryWatch(KernelConnection kernel, long limit)
        {
            _ = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && !kernel.HasEnded)
                {
                    var rss = ResidentBytes(kernel.ProcessId);
                    if (rss > limit)
                    {
                        Stop = $"it used more than the memory limit ({(limit - Slack) >> 20} MiB, plus {Slack >> 20} MiB for code and mapped files; {rss >> 20} MiB resident), so the grader stopped it";
                        kernel.Kill();
                        return;
                    }
                    try { await Task.Delay(100, stop.Token); } catch (OperationCanceledException) { return; }
                }
            });
        }

        public string? Stop { get; private set; }

        public void Dispose() => stop.Cancel();
    }

    /// <summary>Resident memory of a process and all its descendants (Linux /proc), in bytes.</summary>
    internal static long ResidentBytes(int pid)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        long total = 0;
        var pending = new Stack<int>([pid]);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var p = pending.Pop();
            if (!seen.Add(p)) continue;
            try
            {
                foreach (var line in File.ReadLines($"/proc/{p}/status"))
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                        total += long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                foreach (var task in Directory.EnumerateDirectories($"/proc/{p}/task"))
                {
                    var children = Path.Combine(task, "children");
                    if (!File.Exists(children)) continue;
                    foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        pending.Push(int.Parse(child, CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        }
        return total;
    }
}
