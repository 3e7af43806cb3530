using System.Diagnostics;
using System.Text.Json;

namespace MlpRevival.Tests.Cli.Bench;

/// <summary>Runs `course bench` through <see cref="CourseProcess"/>, with extra environment variables.</summary>
static class BenchCli
{
    public static Task<CourseProcess.Outcome> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        CourseProcess.RunAsync(["bench", .. arguments], environment: environment);

    /// <summary>chmod u+rwx (the fake pythons are shell or python scripts; the bench tests run where those do).</summary>
    public static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The rows of `course bench --json`: stdout is exactly one JSON array.</summary>
    public static JsonElement[] Rows(CourseProcess.Outcome run)
    {
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    /// <summary>A tiny run: a step per window, a 64² GEMM, one thread (the machine is shared).</summary>
    public static string[] Tiny(string models, string batches, int windows = 1) =>
        ["--json", "--models", models, "--batches", batches, "--warmup", "0", "--steps", "1", "--windows", windows.ToString(), "--gemm-size", "64", "--threads", "1"];
}

/// <summary>
/// A fact that needs a python3 with torch, found as `course bench` finds it ($MLP_REVIVAL_PYTHON,
/// /usr/bin/python3, python3 on PATH); skipped with the reason when there is none (CI may not have
/// PyTorch; the course never depends on it).
/// </summary>
sealed class PyTorchFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "MLP_REVIVAL_PYTHON";

    static readonly Lazy<(string? Python, string Reason)> Found = new(Find);

    public PyTorchFactAttribute()
    {
        if (Found.Value.Python is null) Skip = Found.Value.Reason;
    }

    /// <summary>The python3 with torch (the test only runs when there is one).</summary>
    public static string Python => Found.Value.Python ?? throw new InvalidOperationException(Found.Value.Reason);

    static (string?, string) Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var candidates = !string.IsNullOrWhiteSpace(fromEnvironment) ? [fromEnvironment]
            : new[] { "/usr/bin/python3" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                                                       .Select(d => Path.Combine(d, "python3"))).Where(File.Exists).Distinct().ToArray();
        foreach (var python in candidates)
        {
            try
            {
                var start = new ProcessStartInfo(python, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                using var process = Process.Start(start)!;
                process.StandardOutput.ReadToEndAsync();
                process.StandardError.ReadToEndAsync();
                if (process.WaitForExit(TimeSpan.FromSeconds(120)) && process.ExitCode == 0) return (python, "");
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return (null, $"no python3 with torch ({(candidates.Length == 0 ? "no python3 found" : "tried " + string.Join(", ", candidates))}); " +
                      "install it with `apt-get install python3-torch libopenblas0-pthread` to run this test");
    }
}
