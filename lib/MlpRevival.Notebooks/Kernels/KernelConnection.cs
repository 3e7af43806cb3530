using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Connection;
using Microsoft.DotNet.Interactive.Events;

namespace MlpRevival.Notebooks.Kernels;

public enum CellStatus { Succeeded, Failed, TimedOut, KernelEnded }

/// <summary>How one submitted cell ended. <see cref="Message"/> is the kernel's failure message, or ours.</summary>
public sealed record CellRun(CellStatus Status, string? Message, TimeSpan Elapsed, int ProtocolForgeries)
{
    public bool Succeeded => Status == CellStatus.Succeeded;
}

/// <summary>The kernel process did not come up.</summary>
public sealed class KernelStartException(string message) : Exception(message);

/// <summary>
/// A .NET Interactive kernel process driven over its stdio protocol, as VS Code Polyglot Notebooks
/// drives it: <c>dotnet Microsoft.DotNet.Interactive.App.dll [vscode] stdio</c>, one JSON command
/// envelope per line on stdin (<see cref="SubmitCode"/>, serialised by the package's
/// <see cref="KernelCommandAndEventSender"/>), one event envelope per line on stdout (read back
/// with the package's <see cref="Serializer"/>). Cells run one at a time; each carries a fresh
/// random token and the events of that command (and of its children, token.N) are its outputs.
///
/// What the kernel cannot do, this class does: a cell that runs too long ends the kernel process
/// (the C# kernel cannot stop a running submission: a Cancel command only returns once the code
/// does), and a kernel that ends mid-cell is reported with its exit code and the tail of its
/// stderr. Messages are read with a bounded line reader, so a cell printing hundreds of megabytes
/// costs linear time and bounded memory.
/// </summary>
public sealed class KernelConnection : IAsyncDisposable
{
    /// <summary>The largest single message kept; a longer line (one huge print) is dropped and reported.</summary>
    public const int MaxMessageBytes = 16 << 20;

    const int StderrTail = 32_000;
    static readonly Uri RunnerUri = new("kernel://mlp-revival-runner/");

    readonly Process process;
    readonly KernelCommandAndEventSender sender;
    readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly StringBuilder stderr = new();
    Pending? current;
    Task reader = Task.CompletedTask, errors = Task.CompletedTask;
    IReadOnlyList<ProcessTree.Member> members = [];
    string? sandboxNamespace;

    // The kernel does not end when its stdin closes: kernels still running when this process
    // ends (Ctrl+C, SIGTERM, an unhandled exception) are ended with it, not left behind.
    static readonly HashSet<KernelConnection> live = [];

    static KernelConnection() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (live) foreach (var connection in live.ToList()) connection.Kill();
    };

    KernelConnection(Process process)
    {
        this.process = process;
        sender = KernelCommandAndEventSender.FromTextWriter(process.StandardInput, RunnerUri);
        lock (live) live.Add(this);
    }

    /// <summary>The kernel's process id (for tests and diagnostics).</summary>
    public int ProcessId => process.Id;

    public bool HasEnded => ended.Task.IsCompleted;

    /// <summary>The last few thousand characters the kernel wrote to stderr.</summary>
    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    /// <summary>
    /// Starts the kernel with <paramref name="start"/> (whose file and arguments launch
    /// <c>… stdio</c>; the streams are redirected here) and waits for its KernelReady event.
    /// </summary>
    public static async Task<KernelConnection> StartAsync(ProcessStartInfo start, TimeSpan readyLimit)
    {
        start.RedirectStandardInput = start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.StandardInputEncoding = new UTF8Encoding(false);
        start.StandardErrorEncoding = new UTF8Encoding(false);
        Process process;
        try { process = Process.Start(start) ?? throw new KernelStartException($"could not start {start.FileName}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new KernelStartException($"could not start {start.FileName}: {e.Message}"); }

        var connection = new KernelConnection(process);
        connection.reader = Task.Run(() => connection.ReadAsync(process.StandardOutput.BaseStream));
        connection.errors = Task.Run(connection.ReadErrorsAsync);
        // The end of the process, not only of its output: a child the kernel started may hold the
        // protocol pipe open long after the kernel itself is gone.
        _ = process.WaitForExitAsync().ContinueWith(_ => connection.ended.TrySetResult(), TaskScheduler.Default);
        var first = await Task.WhenAny(connection.ready.Task, connection.ended.Task, Task.Delay(readyLimit));
        if (first == connection.ready.Task)
        {
            if (OperatingSystem.IsLinux())
            {
                connection.members = ProcessTree.Snapshot(process.Id);
                // A kernel in a PID namespace of its own (the grader's sandbox): everything in it goes when the kernel goes.
                var own = ProcessTree.Namespace(Environment.ProcessId);
                connection.sandboxNamespace = connection.members.Select(m => ProcessTree.Namespace(m.Pid))
                    .FirstOrDefault(ns => ns is not null && ns != own);
            }
            return connection;
        }

        var why = first == connection.ended.Task
            ? $"the kernel process ended (exit code {connection.ExitCode()}) before it was ready"
            : $"the kernel was not ready within {readyLimit.TotalSeconds:0} s";
        await connection.DisposeAsync();
        throw new KernelStartException($"{why}. Command: {start.FileName} {string.Join(' ', start.ArgumentList)}" +
                                       Tail(connection.Stderr));
    }

    /// <summary>
    /// Submits one cell to <paramref name="kernelName"/> (csharp for C# cells) and collects its
    /// outputs until the kernel reports the command succeeded or failed, the time runs out (the
    /// kernel is then ended), or the kernel process ends.
    /// </summary>
    public async Task<CellRun> SubmitAsync(string code, string kernelName, CellOutputs outputs, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (HasEnded) return new CellRun(CellStatus.KernelEnded, EndedMessage(), clock.Elapsed, 0);

        var command = new SubmitCode(code, kernelName);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        command.SetToken(token);
        var pending = new Pending(token, outputs);
        Volatile.Write(ref current, pending);
        try
        {
            try { await sender.SendAsync(command, CancellationToken.None); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                await Task.WhenAny(ended.Task, Task.Delay(2000));
                return new CellRun(CellStatus.KernelEnded, EndedMessage(), clock.Elapsed, pending.Forgeries);
            }

            var finished = await Task.WhenAny(pending.Done.Task, ended.Task, Task.Delay(timeout));
            if (finished == ended.Task) await Task.WhenAny(pending.Done.Task, Task.Delay(1000));   // its last lines, if any
            if (pending.Done.Task.IsCompleted)
            {
                var (status, message) = await pending.Done.Task;
                return new CellRun(status, message, clock.Elapsed, pending.Forgeries);
            }
            if (finished == ended.Task)
            {
                Kill();   // what the kernel started goes with it
                return new CellRun(CellStatus.KernelEnded, EndedMessage(), clock.Elapsed, pending.Forgeries);
            }

            Kill();
            return new CellRun(CellStatus.TimedOut, $"Timed out after {Seconds(timeout)}: the cell was still running.", clock.Elapsed, pending.Forgeries);
        }
        finally
        {
            Volatile.Write(ref current, null);
        }
    }

    /// <summary>Ends the kernel process and everything it started.</summary>
    public void Kill()
    {
        ProcessTree.Kill(process, members);
        if (sandboxNamespace is not null) ProcessTree.KillNamespace(sandboxNamespace);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        lock (live) live.Remove(this);
        await Task.WhenAny(Task.WhenAll(reader, errors), Task.Delay(5000));
        process.Dispose();
    }

    string EndedMessage()
    {
        var code = ExitCode();
        var why = code switch
        {
            _ when Stderr.Contains("Stack overflow", StringComparison.Ordinal) => " — a stack overflow (runaway recursion?)",
            "134" => " — the process aborted (SIGABRT)",
            "137" => " — the process was killed (SIGKILL; out of memory?)",
            _ => "",
        };
        return $"The kernel process ended (exit code {code}{why}) while this cell was running: " +
               $"the cell ended the process (Environment.Exit?) or crashed it." + Tail(Stderr);
    }

    string ExitCode()
    {
        try { return process.WaitForExit(2000) ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?"; }
        catch (InvalidOperationException) { return "?"; }
    }

    static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : "\nLast lines the kernel wrote to stderr:\n  " + string.Join("\n  ", lines.TakeLast(8));
    }

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    async Task ReadErrorsAsync()
    {
        var buffer = new char[4096];
        int n;
        try
        {
            while ((n = await process.StandardError.ReadAsync(buffer)) > 0)
                lock (stderr)
                {
                    stderr.Append(buffer, 0, n);
                    if (stderr.Length > StderrTail) stderr.Remove(0, stderr.Length - StderrTail);
                }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    // Bounded line reader over the kernel's stdout: a line longer than MaxMessageBytes is
    // skipped (and reported to the running cell) instead of being held in memory.
    async Task ReadAsync(Stream stdout)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        long skipped = 0;
        try
        {
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0)
            {
                var span = buffer.AsMemory(0, n);
                while (span.Length > 0)
                {
                    var newline = span.Span.IndexOf((byte)'\n');
                    var part = newline < 0 ? span : span[..newline];
                    if (skipped > 0 || line.Length + part.Length > MaxMessageBytes)
                    {
                        skipped += line.Length + part.Length;
                        line.SetLength(0);
                    }
                    else line.Write(part.Span);
                    if (newline < 0) break;
                    if (skipped > 0) Volatile.Read(ref current)?.Outputs.AddDroppedLine(skipped);
                    else Dispatch(Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length));
                    line.SetLength(0);
                    skipped = 0;
                    span = span[(newline + 1)..];
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        finally
        {
            ended.TrySetResult();
        }
    }

    void Dispatch(string line)
    {
        if (line.Length == 0 || line[0] != '{') { Volatile.Read(ref current)?.Raw(); return; }
        CommandOrEvent message;
        try { message = Serializer.DeserializeCommandOrEvent(line); }
        catch (Exception) { Volatile.Read(ref current)?.Raw(); return; }
        if (message.IsParseError || message.Event is not { } kernelEvent) return;
        if (kernelEvent is KernelReady) { ready.TrySetResult(); return; }

        var pending = Volatile.Read(ref current);
        var token = kernelEvent.Command?.GetOrCreateToken();
        if (pending is null || token is null) return;                       // not a cell's (or late) event
        if (token == pending.Token)
        {
            switch (kernelEvent)
            {
                case CommandSucceeded: pending.Finish(CellStatus.Succeeded, null); return;
                case CommandFailed failed: pending.Finish(CellStatus.Failed, failed.Message); return;
            }
        }
        if (token == pending.Token || token.StartsWith(pending.Token + ".", StringComparison.Ordinal))
            pending.Outputs.Add(kernelEvent);
    }

    sealed class Pending(string token, CellOutputs outputs)
    {
        int forgeries;

        public string Token { get; } = token;
        public CellOutputs Outputs { get; } = outputs;
        public TaskCompletionSource<(CellStatus, string?)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Lines on the protocol stream that are not kernel messages: written by cell code to the raw stdout.</summary>
        public int Forgeries => Volatile.Read(ref forgeries);

        public void Raw() => Interlocked.Increment(ref forgeries);

        public void Finish(CellStatus status, string? message) => Done.TrySetResult((status, message));
    }
}
