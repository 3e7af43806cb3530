using System.CommandLine;
using System.Globalization;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Export;
using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course run &lt;notebook|folder&gt;...: executes notebooks in the course kernel (each notebook in
/// a kernel process of its own, as VS Code starts one per notebook) and writes, per notebook, the
/// executed .ipynb and a standalone .html, plus an index.html.
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
        var command = new Command("run", "Execute notebooks and export them to HTML.");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.Options.Add(parameters);
        command.Options.Add(profile);
        command.Options.Add(timeout);
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
            var outputDirectory = Path.GetFullPath(parse.GetValue(output)!);
            if (files.FirstOrDefault(f => SameFolder(Path.GetDirectoryName(Path.GetFullPath(f))!, outputDirectory)) is { } source)
            {
                await Console.Error.WriteLineAsync($"--out {parse.GetValue(output)} is the folder of {Path.GetFileName(source)}: the executed copies " +
                                                   "would overwrite the notebooks. Choose another folder (the default is artifacts/notebooks).");
                return 2;
            }
            KernelLayout kernel;
            try { kernel = await KernelCommand.EnsureAsync(Path.GetDirectoryName(Path.GetFullPath(files[0]))!); }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"The course kernel is not available: {e.Message}");
                return 2;
            }
            var options = new RunOptions
            {
                Kernel = kernel,
                Profile = parse.GetValue(profile),
                Parameters = values,
                CellTimeout = TimeSpan.FromSeconds(seconds),
            };
            return await RunAllAsync(files, outputDirectory, options);
        });
        return command;
    }

    static async Task<int> RunAllAsync(List<string> files, string outputDirectory, RunOptions options)
    {
        var reports = new List<NotebookJobReport>();
        foreach (var file in files)
        {
            var (report, _) = await NotebookJob.RunAsync(file, outputDirectory, options);
            Console.WriteLine(report.Line);
            reports.Add(report);
        }
        Directory.CreateDirectory(outputDirectory);
        var entries = reports.Select(r => new IndexPage.Entry(
            r.Title, Path.GetFileName(r.Html ?? ""), Path.GetFileName(r.ExecutedNotebook ?? ""), r));
        var index = Path.Combine(outputDirectory, "index.html");
        await File.WriteAllTextAsync(index, IndexPage.Render(entries));
        int failed = reports.Count(r => !r.Succeeded);
        if (reports.Count > 1) Console.WriteLine($"{reports.Count} notebooks: {reports.Count - failed} ok, {failed} failed. Index: {index}");
        return failed == 0 ? 0 : 1;
    }

    internal static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

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
