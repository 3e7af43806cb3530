using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>How long and how much one submission may take.</summary>
public sealed record GradingLimits(TimeSpan CellTimeout, TimeSpan WallTime, long MemoryBytes)
{
    public static GradingLimits Default => new(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(20), 4L << 30);
}

/// <summary>What one cell did in the worker, as the worker reported it (with the right token).</summary>
public sealed record CellResult(JsonArray Outputs, JsonNode? Execution, string? FailureKind, string? FailureMessage)
{
    public bool Succeeded => FailureKind is null;
}

/// <summary>One submission's run: results of the cells that ran, and why it stopped early, if it did.</summary>
public sealed record WorkerRun(IReadOnlyDictionary<string, CellResult> Results, string? Stopped, TimeSpan Elapsed, string Stderr);

/// <summary>
/// Runs an assembled notebook in a worker process (see <see cref="Worker"/>) inside the sandbox,
/// sending cells one at a time and enforcing the limits: the per-cell time (the worker stops a
/// cell itself; the grader gives up if it stops answering), the wall time of the whole
/// submission, and memory — the managed heap is capped in the worker, and the grader kills the
/// process tree when its resident memory passes the limit.
/// </summary>
public static class SubmissionRunner
{
    const int MaxOutputChars = 1_000_000;
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);
    static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);

    public static async Task<WorkerRun> RunAsync(NotebookDocument graded, string notebookName, ProcessStartInfo command, GradingLimits limits)
    {
        var clock = Stopwatch.StartNew();
        var results = new Dictionary<string, CellResult>();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = command };
        process.Start();
        var lines = Channel.CreateUnbounded<string>();
        var reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line) await lines.Writer.WriteAsync(line);
            lines.Writer.Complete();
        });
        var errors = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await process.StandardError.ReadAsync(buffer)) > 0)
                lock (stderr) if (stderr.Length < 64_000) stderr.Append(buffer, 0, n);
        });
        using var stop = new CancellationTokenSource();
        string? memoryStop = null;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !process.HasExited)
            {
                var rss = ResidentBytes(process.Id);
                if (rss > limits.MemoryBytes)
                {
                    memoryStop = $"it used more than the memory limit ({limits.MemoryBytes >> 20} MiB; {rss >> 20} MiB resident), so the grader stopped it";
                    Kill(process);
                    return;
                }
                try { await Task.Delay(100, stop.Token); } catch (OperationCanceledException) { return; }
            }
        });

        string? stopped = null;
        var wallDeadline = DateTime.UtcNow + limits.WallTime;
        try
        {
            var ready = await NextAsync(lines, null, Min(DateTime.UtcNow + StartLimit, wallDeadline));
            if (ready is not { } r || r["type"]?.GetValue<string>() != Worker.ReadyMessage)
            {
                stopped = ready is null && process.HasExited
                    ? $"the worker process ended (exit code {ExitCode(process)}) before running any cell"
                    : "the worker did not start in time";
            }
            else
            {
                int number = 0;
                foreach (var cell in graded.Cells)
                {
                    // Cells are numbered as in the source notebook; the injected-parameters cell is 0.
                    var injected = cell.HasTag(Notebooks.Execution.Parameters.InjectedTag);
                    if (!injected) number++;
                    if (!cell.IsCode) continue;
                    var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                    var payload = new JsonObject
                    {
                        ["type"] = "cell",
                        ["number"] = injected ? 0 : number,
                        ["token"] = token,
                        ["cell"] = new JsonObject
                        {
                            ["cell_type"] = "code",
                            ["id"] = cell.Id,
                            ["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = cell.KernelName } },
                            ["source"] = cell.Source,
                        },
                    };
                    if (!await SendAsync(process, payload.ToJsonString()))
                    {
                        stopped = Ended(process, memoryStop, cell);
                        break;
                    }
                    var deadline = Min(DateTime.UtcNow + limits.CellTimeout + Grace, wallDeadline);
                    var reply = await NextAsync(lines, token, deadline);
                    if (reply is null)
                    {
                        if (lines.Reader.Completion.IsCompleted)   // its output closed: the process is ending
                            stopped = Ended(process, memoryStop, cell);
                        else if (DateTime.UtcNow >= wallDeadline)
                            stopped = $"it ran past the wall-time limit ({limits.WallTime.TotalSeconds:0} s) in cell {number} (id {cell.Id})";
                        else if (!process.HasExited)
                            stopped = $"the worker stopped answering in cell {number} (id {cell.Id})";
                        else stopped = Ended(process, memoryStop, cell);
                        break;
                    }
                    results[cell.Id] = ToResult(reply);
                }
                if (stopped is null) await SendAsync(process, new JsonObject { ["type"] = "done" }.ToJsonString());
            }
        }
        finally
        {
            if (!process.WaitForExit(stopped is null ? 10_000 : 0)) Kill(process);
            stop.Cancel();
            await Task.WhenAll(watcher, reader.ContinueWith(_ => { }), errors.ContinueWith(_ => { }));
        }
        if (memoryStop is not null) stopped = memoryStop;
        return new WorkerRun(results, stopped, clock.Elapsed, stderr.ToString());
    }

    static string Ended(Process process, string? memoryStop, NotebookCell cell)
    {
        process.WaitForExit(2000);
        return memoryStop ?? $"the worker process ended (exit code {ExitCode(process)}) while running cell id {cell.Id}: " +
            "the submission ended the process (Environment.Exit?) or crashed it";
    }

    static CellResult ToResult(JsonObject reply)
    {
        var outputs = reply["outputs"] as JsonArray ?? new JsonArray();
        var text = outputs.ToJsonString();
        if (text.Length > MaxOutputChars)
            outputs = new JsonArray(new JsonObject
            {
                ["name"] = "stdout",
                ["output_type"] = "stream",
                ["text"] = $"[the grader dropped this cell's output: {text.Length:N0} characters, more than the {MaxOutputChars:N0} kept]\n",
            });
        var failure = reply["failure"] as JsonObject;
        return new CellResult((JsonArray)outputs.DeepClone(), reply["execution"]?.DeepClone(),
            failure?["kind"]?.GetValue<string>(), failure?["message"]?.GetValue<string>());
    }

    // The next protocol message: with a token, the result carrying it (anything else is ignored).
    static async Task<JsonObject?> NextAsync(Channel<string> lines, string? token, DateTime deadline)
    {
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            using var timeout = new CancellationTokenSource(left);
            string line;
            try { line = await lines.Reader.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) { return null; }
            catch (ChannelClosedException) { return null; }
            JsonObject? message;
            try { message = JsonNode.Parse(line) as JsonObject; }
            catch (JsonException) { continue; }
            if (message is null) continue;
            if (token is null) return message;
            if (message["type"]?.GetValueKind() == JsonValueKind.String && message["type"]!.GetValue<string>() == "result" &&
                message["token"]?.GetValueKind() == JsonValueKind.String && message["token"]!.GetValue<string>() == token)
                return message;
        }
    }

    static async Task<bool> SendAsync(Process process, string line)
    {
        try
        {
            await process.StandardInput.WriteLineAsync(line);
            await process.StandardInput.FlushAsync();
            return true;
        }
        catch (IOException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    static string ExitCode(Process process) =>
        process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";

    static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
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
