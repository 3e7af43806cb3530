using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlpRevival.Cli.Bench;

/// <summary>A python3 that imports torch (<see cref="Path"/> set), or why none does (<see cref="Reason"/>).</summary>
sealed record PythonChoice(string? Path, string? TorchVersion, IReadOnlyList<string> Rejected)
{
    public bool Found => Path is not null;

    /// <summary>One sentence for the user: what was tried and how to get PyTorch.</summary>
    public string Reason => Found
        ? $"PyTorch {TorchVersion} at {Path}"
        : $"no python3 with torch ({string.Join("; ", Rejected)}). Install the baseline with `{PythonLocator.InstallCommand}`, " +
          $"or set {PythonLocator.EnvironmentVariable} to a python3 that has torch.";
}

/// <summary>
/// Finds the python3 of the PyTorch baseline. PyTorch is never a dependency of the course: when no
/// python3 has torch the bench reports our side alone and says why.
/// </summary>
static class PythonLocator
{
    public const string EnvironmentVariable = "MLP_REVIVAL_PYTHON";
    public const string InstallCommand = "sudo apt-get install python3-torch libopenblas0-pthread";
    const string SystemPython = "/usr/bin/python3";

    /// <summary>
    /// Candidates in order: <paramref name="explicitPath"/> (--python) alone if given, else
    /// $MLP_REVIVAL_PYTHON alone if set, else /usr/bin/python3 (Debian's python3-torch lives there)
    /// then every python3 on PATH. The first that imports torch wins.
    /// </summary>
    public static PythonChoice Find(string? explicitPath)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        List<(string Label, string Command)> candidates =
            !string.IsNullOrWhiteSpace(explicitPath) ? [($"--python {explicitPath}", explicitPath)]
            : !string.IsNullOrWhiteSpace(fromEnvironment) ? [($"{EnvironmentVariable}={fromEnvironment}", fromEnvironment)]
            : [(SystemPython, SystemPython), .. OnPath("python3").Where(p => p != SystemPython).Select(p => ($"python3 on PATH ({p})", p))];

        var rejected = new List<string>();
        foreach (var (label, command) in candidates)
        {
            var path = Resolve(command);
            if (path is null) { rejected.Add($"{label}: not found"); continue; }
            var (version, problem) = Probe(path);
            if (version is not null) return new PythonChoice(path, version, rejected);
            rejected.Add($"{label}: {problem}");
        }
        if (candidates is [(SystemPython, _)]) rejected.Add("no other python3 on PATH");
        return new PythonChoice(null, null, rejected);
    }

    static IEnumerable<string> OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name)).Where(File.Exists).Distinct();

    static string? Resolve(string command) =>
        command.Contains('/') ? (File.Exists(command) ? System.IO.Path.GetFullPath(command) : null) : OnPath(command).FirstOrDefault();

    /// <summary>Runs <c>python -c "import torch"</c>: torch's version, or what went wrong in a few words.</summary>
    static (string? Version, string? Problem) Probe(string python)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", "import torch; print('torch ' + torch.__version__)" }) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                process.Kill(entireProcessTree: true);
                return (null, "`import torch` did not finish within 120 s");
            }
            var line = stdout.Result.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("torch ", StringComparison.Ordinal));
            if (process.ExitCode == 0 && line is not null) return (line["torch ".Length..], null);
            var last = stderr.Result.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            return (null, last is not null ? $"`import torch` failed: {last}" : $"`import torch` exited with code {process.ExitCode} and said nothing");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, $"cannot run it ({e.Message})");
        }
    }
}

/// <summary>The PyTorch side failed: its message, plus the end of the worker's stderr.</summary>
sealed class PyTorchFailure(string message) : Exception(message);

/// <summary>
/// The PyTorch side of the bench: one long-lived python3 running bench_pytorch.py (embedded in this
/// assembly), one JSON request and one JSON reply per line. It waits on stdin between requests, so
/// it uses no CPU while our side is measured, and keeps its models between windows, so the two
/// sides can alternate window by window.
/// </summary>
sealed class PyTorchWorker : IDisposable
{
    const string ScriptResource = "MlpRevival.Cli.Bench.bench_pytorch.py";
    readonly Process process;
    readonly StringBuilder stderr = new();

    PyTorchWorker(Process process)
    {
        this.process = process;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
    }

    /// <summary>The script the worker runs, as shipped in this assembly.</summary>
    public static string Script()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"resource {ScriptResource} missing from the course tool (see Course.csproj)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Starts the worker with <paramref name="threads"/> threads everywhere: OMP/OpenBLAS/MKL
    /// environment variables for the BLAS library's own pool, torch.set_num_threads in the script.
    /// </summary>
    public static PyTorchWorker Start(string python, int threads)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in new[] { "-u", "-c", Script() }) start.ArgumentList.Add(a);
        var n = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var variable in new[] { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS" }) start.Environment[variable] = n;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return new PyTorchWorker(Process.Start(start) ?? throw new PyTorchFailure($"could not start {python}"));
    }

    /// <summary>Sends one request and waits for its reply; an {"error"} reply or a dead worker throws <see cref="PyTorchFailure"/>.</summary>
    public JsonObject Request(JsonObject request, TimeSpan timeout)
    {
        string? line;
        try
        {
            process.StandardInput.WriteLine(request.ToJsonString());
            process.StandardInput.Flush();
            var read = process.StandardOutput.ReadLineAsync();
            if (!read.Wait(timeout)) throw new PyTorchFailure($"the PyTorch worker did not answer '{request["op"]}' within {timeout.TotalSeconds:F0} s");
            line = read.Result;
        }
        catch (IOException e)
        {
            throw new PyTorchFailure($"the PyTorch worker is gone ({e.Message}){StderrTail()}");
        }
        if (line is null)
        {
            process.WaitForExit(5000);
            throw new PyTorchFailure($"the PyTorch worker exited{(process.HasExited ? $" with code {process.ExitCode}" : "")}{StderrTail()}");
        }
        JsonObject reply;
        try { reply = JsonNode.Parse(line)?.AsObject() ?? throw new JsonException("null"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new PyTorchFailure($"the PyTorch worker answered something that is not a JSON object: {line}");
        }
        if (reply["error"] is { } error) throw new PyTorchFailure($"PyTorch side: {error.GetValue<string>()}");
        return reply;
    }

    string StderrTail()
    {
        lock (stderr)
        {
            var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? "" : ": " + string.Join(" | ", lines.TakeLast(3).Select(l => l.Trim()));
        }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine("{\"op\": \"quit\"}");
                process.StandardInput.Close();
                if (!process.WaitForExit(5000)) process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
        process.Dispose();
    }
}
