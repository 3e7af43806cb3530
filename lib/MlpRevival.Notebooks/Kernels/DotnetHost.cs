using System.Diagnostics;
using System.Text;

namespace MlpRevival.Notebooks.Kernels;

/// <summary>The `dotnet` host that runs this program, used to start kernels and the SDK's commands.</summary>
public static class DotnetHost
{
    /// <summary>The absolute path of the dotnet host (the one running us, else DOTNET_ROOT's, else PATH's).</summary>
    public static string Path { get; } = Find();

    static string Find()
    {
        var host = Environment.ProcessPath;
        if (host is not null && System.IO.Path.GetFileNameWithoutExtension(host) == "dotnet") return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (root is not null && File.Exists(System.IO.Path.Combine(root, name))) return System.IO.Path.Combine(root, name);
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                   .Select(d => System.IO.Path.Combine(d, name)).FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException("Cannot find the dotnet host (not on PATH, no DOTNET_ROOT).");
    }

    /// <summary>Runs `dotnet args…` to completion and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, string? workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo(Path) { WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return await RunAsync(start, limit);
    }

    /// <summary>
    /// Runs any process to completion (its output redirected) and returns its exit code and output,
    /// stdout then stderr; past <paramref name="limit"/> it is killed with its children and the exit
    /// code is -1, the output saying so and holding what it wrote.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan limit)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {limit.TotalSeconds:0} s\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, new StringBuilder(await stdout).Append(await stderr).ToString());
    }
}

/// <summary>A lock between processes: an exclusively opened file, released on dispose.</summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream stream;

    FileLock(FileStream stream) => this.stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan limit)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try { return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)); }
            catch (IOException) when (DateTime.UtcNow < deadline) { await Task.Delay(200); }
        }
    }

    public void Dispose() => stream.Dispose();
}
