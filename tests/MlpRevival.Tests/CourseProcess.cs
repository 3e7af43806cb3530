using System.Diagnostics;

namespace MlpRevival.Tests;

/// <summary>Runs the built `course` tool as a child process, as a user would.</summary>
static class CourseProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static async Task<Outcome> RunAsync(IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? limit = null,
                                               IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        start.ArgumentList.Add(Repo.CourseCli);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var wait = limit ?? TimeSpan.FromMinutes(10);
        using var cancel = new CancellationTokenSource(wait);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"course {string.Join(' ', arguments)} did not finish within {wait}");
        }
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
