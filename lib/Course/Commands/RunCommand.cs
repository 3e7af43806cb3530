using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Export;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course run &lt;notebook|folder&gt;...: executes notebooks headlessly and writes, per notebook, the
/// executed .ipynb and a standalone .html, plus an index.html. One notebook runs in this process;
/// several run one child process each, so a hung or crashing notebook cannot take the others down.
/// </summary>
static class RunCommand
{
    public static Command Create()
    {
        var notebooks = new Argument<string[]>("notebooks")
        {
            Description = "Notebook files (.ipynb) or folders of notebooks.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out")
        {
            Description = "Folder for the executed notebooks, their HTML pages and index.html.",
            DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks"),
        };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "A parameter value, name=value (repeatable). Typed like the default in the notebook's parameters cell.",
            AllowMultipleArgumentsPerToken = false,
        };
        var profile = new Option<string?>("--profile")
        {
            Description = "A profile documented in each notebook's parameters cell (quick, laptop, gpu).",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Per-cell time limit in seconds.",
            DefaultValueFactory = _ => RunOptions.DefaultCellTimeout.TotalSeconds,
        };
        var resultFile = new Option<string?>("--result-file") { Hidden = true };

        var command = new Command("run", "Execute notebooks and export them to HTML.");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.Options.Add(parameters);
        command.Options.Add(profile);
        command.Options.Add(timeout);
        command.Options.Add(resultFile);
        command.SetAction(async (parse, _) =>
        {
            Dictionary<string, string> values;
            List<string> files;
            try
            {
                values = ParseParameters(parse.GetValue(parameters) ?? []);
                files = Expand(parse.GetValue(notebooks) ?? []);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                await Console.Error.WriteLineAsync("--timeout must be a positive number of seconds.");
                return 2;
            }
            var options = new RunOptions
            {
                Profile = parse.GetValue(profile),
                Parameters = values,
                CellTimeout = TimeSpan.FromSeconds(seconds),
            };
            var outputDirectory = Path.GetFullPath(parse.GetValue(output)!);
            return files.Count == 1
                ? await RunHereAsync(files[0], outputDirectory, options, parse.GetValue(resultFile))
                : await RunEachInChildAsync(files, outputDirectory, parse.GetValue(parameters) ?? [], options);
        });
        return command;
    }

    static async Task<int> RunHereAsync(string notebook, string outputDirectory, RunOptions options, string? resultFile)
    {
        // As in VS Code, the kernel's working directory is the notebook's folder: relative paths in
        // cells (data folders, files) mean the same in both. This process runs only this notebook.
        notebook = Path.GetFullPath(notebook);
        if (resultFile is not null) resultFile = Path.GetFullPath(resultFile);
        Directory.SetCurrentDirectory(Path.GetDirectoryName(notebook)!);
        var (report, result) = await NotebookJob.RunAsync(notebook, outputDirectory, options);
        if (resultFile is not null) await File.WriteAllTextAsync(resultFile, report.ToJson());
        else await WriteIndexAsync(outputDirectory, [report]);
        Console.WriteLine(report.Line);
        var code = report.Succeeded ? 0 : 1;
        // A timed-out cell is still running on a thread no one can stop: end the process.
        if (result?.TimedOut == true)
        {
            Console.Out.Flush();
            Environment.Exit(code);
        }
        return code;
    }

    static async Task<int> RunEachInChildAsync(List<string> files, string outputDirectory, string[] parameters, RunOptions options)
    {
        var reports = new List<NotebookJobReport>();
        foreach (var file in files)
        {
            var resultFile = Path.Combine(Path.GetTempPath(), $"course-run-{Guid.NewGuid():N}.json");
            var args = new List<string> { "run", file, "--out", outputDirectory, "--result-file", resultFile,
                "--timeout", options.CellTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) };
            if (options.Profile is not null) args.AddRange(["--profile", options.Profile]);
            foreach (var p in parameters) args.AddRange(["--param", p]);

            var exitCode = await SelfProcess.RunAsync(args);
            NotebookJobReport report;
            try { report = NotebookJobReport.FromJson(await File.ReadAllTextAsync(resultFile)); }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidDataException)
            {
                report = NotebookJobReport.Broken(file, $"the notebook's process ended (exit code {exitCode}) without a result.");
                Console.WriteLine(report.Line);
            }
            finally { File.Delete(resultFile); }
            reports.Add(report);
        }
        await WriteIndexAsync(outputDirectory, reports);
        int failed = reports.Count(r => !r.Succeeded);
        Console.WriteLine($"{reports.Count} notebooks: {reports.Count - failed} ok, {failed} failed. Index: {Path.Combine(outputDirectory, "index.html")}");
        return failed == 0 ? 0 : 1;
    }

    static async Task WriteIndexAsync(string outputDirectory, IEnumerable<NotebookJobReport> reports)
    {
        Directory.CreateDirectory(outputDirectory);
        var entries = reports.Select(r => new IndexPage.Entry(
            r.Title, Path.GetFileName(r.Html ?? ""), Path.GetFileName(r.ExecutedNotebook ?? ""), r));
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "index.html"), IndexPage.Render(entries));
    }

    internal static Dictionary<string, string> ParseParameters(IEnumerable<string> pairs)
    {
        var values = new Dictionary<string, string>();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--param {pair}: expected name=value, e.g. --param epochs=2");
            values[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return values;
    }

    static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.GetFiles(path, "*.ipynb").Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new ArgumentException($"{path}: no .ipynb files in this folder.");
                files.AddRange(found);
            }
            else if (File.Exists(path)) files.Add(path);
            else throw new ArgumentException($"{path}: no such notebook or folder.");
        }
        return files;
    }
}

/// <summary>Starts this same `course` program as a child process, with the console inherited.</summary>
static class SelfProcess
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under `dotnet course.dll` the host is dotnet and the program is an argument; under the apphost it is the program.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    public static async Task<int> RunAsync(IEnumerable<string> arguments)
    {
        using var process = Process.Start(StartInfo(arguments)) ?? throw new InvalidOperationException("could not start a child process");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
