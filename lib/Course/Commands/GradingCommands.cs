using System.CommandLine;
using System.Globalization;
using MlpRevival.Grading;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Cli.Commands;

/// <summary>Coursework: course release, course grade.</summary>
static class GradingCommands
{
    public static Command Release()
    {
        var notebooks = new Argument<string[]>("notebooks") { Description = "Instructor notebooks (.ipynb) or folders of them.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Folder for the student versions.", Required = true };
        var command = new Command("release", "Write student versions: solutions replaced by stubs, hidden tests removed, outputs cleared, locked cells fingerprinted.");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            try
            {
                var files = Expand(parse.GetValue(notebooks) ?? []);
                if (files.Any(f => Path.GetFullPath(Path.GetDirectoryName(f)!) == outDir))
                    throw new ArgumentException("--out must not be the instructor notebooks' own folder: releasing would overwrite the solutions.");
                foreach (var file in files)
                {
                    var released = MlpRevival.Grading.Release.Write(file, outDir);
                    Console.WriteLine(released.TestCells == 0
                        ? $"{Path.GetFileName(file)}: no exercises, copied clean"
                        : $"{Path.GetFileName(file)}: {released.SolutionCells} exercise(s), {released.TestCells} test cell(s), {released.Points:0.##} points");
                }
                Console.WriteLine($"Student versions in {outDir}");
                return 0;
            }
            catch (Exception e) when (e is GradingFormatException or MalformedNotebookException or ArgumentException or FileNotFoundException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    public static Command Grade()
    {
        var submissions = new Argument<string>("submissions") { Description = "Folder with one subfolder per student, each holding the submitted notebooks." };
        var source = new Option<string[]>("--source") { Description = "The instructor notebooks (with solutions and hidden tests), files or folders.", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Folder for feedback notebooks, grades.json, gradebook.csv and summary.html.", Required = true };
        var profile = new Option<string?>("--profile") { Description = "Parameters profile to run the notebooks with (e.g. quick)." };
        var parameters = new Option<string[]>("--param", "-p") { Description = "A parameter value name=value (repeatable)." };
        var cellTimeout = new Option<double>("--cell-timeout") { Description = "Seconds one cell may run.", DefaultValueFactory = _ => GradingLimits.Default.CellTimeout.TotalSeconds };
        var wallTime = new Option<double>("--wall-time") { Description = "Seconds one submission notebook may run in all.", DefaultValueFactory = _ => GradingLimits.Default.WallTime.TotalSeconds };
        var memory = new Option<int>("--memory") { Description = "MiB of memory one submission may use.", DefaultValueFactory = _ => (int)(GradingLimits.Default.MemoryBytes >> 20) };
        var data = new Option<string[]>("--data") { Description = "Data folders submissions may read, relative to the instructor notebooks (default ../datasets)." };
        var isolation = new Option<bool>("--require-isolation") { Description = "Refuse to grade unless bubblewrap isolation is available." };
        var command = new Command("grade", "Grade submissions: restore locked and test cells from the instructor source, run each submission in its own sandboxed process, write feedback and a gradebook.");
        command.Arguments.Add(submissions);
        foreach (var o in new Option[] { source, output, profile, parameters, cellTimeout, wallTime, memory, data, isolation }) command.Options.Add(o);
        command.SetAction(async (parse, _) =>
        {
            try
            {
                var sourceFiles = Expand(parse.GetValue(source) ?? []);
                var outDir = Path.GetFullPath(parse.GetValue(output)!);
                var submissionsDir = Path.GetFullPath(parse.GetValue(submissions)!);
                if (RunCommand.SameFolder(outDir, submissionsDir) || outDir.StartsWith(submissionsDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new ArgumentException($"--out {parse.GetValue(output)} is (inside) the submissions folder: feedback would overwrite or mix with the students' files. Choose another folder.");
                if (sourceFiles.FirstOrDefault(f => RunCommand.SameFolder(Path.GetDirectoryName(Path.GetFullPath(f))!, outDir)) is { } clash)
                    throw new ArgumentException($"--out {parse.GetValue(output)} is the folder of the instructor notebook {Path.GetFileName(clash)}: feedback would overwrite it. Choose another folder.");
                var options = new GradeOptions
                {
                    Kernel = await KernelCommand.EnsureAsync(Path.GetDirectoryName(Path.GetFullPath(sourceFiles[0]))!),
                    Limits = new GradingLimits(TimeSpan.FromSeconds(Positive(parse.GetValue(cellTimeout), "--cell-timeout")),
                        TimeSpan.FromSeconds(Positive(parse.GetValue(wallTime), "--wall-time")), (long)Positive(parse.GetValue(memory), "--memory") << 20),
                    Profile = parse.GetValue(profile),
                    Parameters = RunCommand.ParseParameters(parse.GetValue(parameters) ?? []),
                    DataFolders = parse.GetValue(data) is { Length: > 0 } folders ? folders : ["../datasets"],
                    RequireIsolation = parse.GetValue(isolation),
                    Log = Console.WriteLine,
                };
                var report = await Grader.GradeAsync(parse.GetValue(submissions)!, sourceFiles, outDir, options);
                Console.WriteLine($"Sandbox: {report.Sandbox}");
                foreach (var student in report.Students)
                    Console.WriteLine($"{student.Student}: {student.Score.ToString("0.##", CultureInfo.InvariantCulture)} / {student.MaxScore.ToString("0.##", CultureInfo.InvariantCulture)}");
                Console.WriteLine($"Gradebook: {Path.Combine(outDir, "gradebook.csv")} · summary: {Path.Combine(outDir, "summary.html")}");
                return 0;
            }
            catch (Exception e) when (e is GradingFormatException or MalformedNotebookException or ArgumentException
                                          or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    static double Positive(double value, string option) =>
        value > 0 ? value : throw new ArgumentException($"{option} must be positive.");

    static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) files.AddRange(Directory.GetFiles(path, "*.ipynb").Order(StringComparer.Ordinal));
            else if (File.Exists(path)) files.Add(path);
            else throw new FileNotFoundException($"{path}: no such notebook or folder.");
        }
        if (files.Count == 0) throw new ArgumentException("No notebooks given.");
        return files;
    }
}
