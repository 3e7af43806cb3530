using System.CommandLine;
using MlpRevival.Data;
using Spectre.Console;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course data status|download|install|sample: where CIFAR-10 is, getting it (with or without
/// internet), and cutting the committed sample. Exit code 0 on success, 1 when the data is missing
/// or does not check out, 2 for bad options.
/// </summary>
static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "CIFAR-10: status, download, install from a local archive or folder, cut the committed sample.");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Download());
        command.Subcommands.Add(Install());
        command.Subcommands.Add(Sample());
        return command;
    }

    static Option<string?> DirOption() => new("--dir")
    {
        Description = $"The CIFAR-10 folder (default: ${Cifar10.EnvironmentVariable}, else datasets/cache/{Cifar10.FolderName}).",
    };

    static Option<bool> ForceOption() => new("--force") { Description = "Replace a folder that already holds CIFAR-10 files (only CIFAR-10 files are ever replaced)." };

    static Command Status()
    {
        var dir = DirOption();
        var quick = new Option<bool>("--quick") { Description = "Check sizes and layout only; skip the md5 checksums." };
        var command = new Command("status", "Where the data is, which files, whether they are verified, how many images.");
        command.Options.Add(dir);
        command.Options.Add(quick);
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(dir);
            var status = Cifar10.Status(folder, checkMd5: !parse.GetValue(quick));
            Show(status);
            if (folder is null && !status.Ok && Cifar10.SampleFolder is { } sample && Directory.Exists(sample))
                AnsiConsole.MarkupLine($"[grey]The committed sample is in {Markup.Escape(sample)} (course data status --dir {Markup.Escape(sample)}).[/]");
            return status.Ok ? 0 : 1;
        });
        return command;
    }

    static Command Download()
    {
        var dir = DirOption();
        var force = ForceOption();
        var url = new Option<string>("--url") { Description = "Where to download from (a mirror); the archive must still have the official md5.", DefaultValueFactory = _ => Cifar10.Url };
        var command = new Command("download", $"Download {Cifar10.ArchiveName} from the official address, check its md5, extract and verify every file.");
        command.Options.Add(dir);
        command.Options.Add(force);
        command.Options.Add(url);
        command.SetAction(parse => Guarded(() =>
        {
            var target = Cifar10.ResolveFolder(parse.GetValue(dir));
            if (!parse.GetValue(force) && Cifar10.Status(target).Ok)
            {
                AnsiConsole.MarkupLine($"Already there: {Markup.Escape(Cifar10.Status(target).Summary)}");
                return 0;
            }
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask($"{Cifar10.ArchiveName}", maxValue: 170_052_171);
                    Cifar10.Download(target, parse.GetValue(force), parse.GetValue(url)!, new SyncProgress(p =>
                    {
                        if (p.TotalBytes is { } total) task.MaxValue = total;
                        task.Value = p.Bytes;
                    }));
                });
            Show(Cifar10.Status(target));
            return 0;
        }));
        return command;
    }

    static Command Install()
    {
        var from = new Option<string>("--from")
        {
            Description = $"{Cifar10.ArchiveName} (or a .tar of it), or a folder holding the binary files.",
            Required = true,
        };
        var dir = DirOption();
        var force = ForceOption();
        var command = new Command("install", "Install CIFAR-10 without internet: from a local archive or folder, verified before it is moved into place.");
        command.Options.Add(from);
        command.Options.Add(dir);
        command.Options.Add(force);
        command.SetAction(parse => Guarded(() =>
        {
            var target = Cifar10.Install(parse.GetValue(from)!, parse.GetValue(dir), parse.GetValue(force));
            Show(Cifar10.Status(target));
            return 0;
        }));
        return command;
    }

    static Command Sample()
    {
        var from = new Option<string>("--from") { Description = "A verified CIFAR-10 folder (the full data).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the sample.", DefaultValueFactory = _ => Path.Combine("datasets", "cifar-10-sample") };
        var trainPerClass = new Option<int>("--train-per-class") { Description = "Training images per class.", DefaultValueFactory = _ => 200 };
        var testPerClass = new Option<int>("--test-per-class") { Description = "Test images per class.", DefaultValueFactory = _ => 100 };
        var seed = new Option<long>("--seed") { Description = "Seed of the per-class selection.", DefaultValueFactory = _ => 0 };
        var command = new Command("sample", "Cut a class-balanced sample in the original binary layout (deterministic: same options, byte-identical files).");
        command.Options.Add(from);
        command.Options.Add(output);
        command.Options.Add(trainPerClass);
        command.Options.Add(testPerClass);
        command.Options.Add(seed);
        command.SetAction(parse => Guarded(() =>
        {
            int train = parse.GetValue(trainPerClass), test = parse.GetValue(testPerClass);
            if (train <= 0 || test <= 0) throw new ArgumentException("--train-per-class and --test-per-class must be at least 1.");
            var status = Cifar10.CutSample(parse.GetValue(from)!, parse.GetValue(output)!, train, test, parse.GetValue(seed));
            Show(status);
            return status.Ok ? 0 : 1;
        }));
        return command;
    }

    static int Guarded(Func<int> action)
    {
        try { return action(); }
        catch (DataSetException e)
        {
            CliError.Write(e.Message);
            return 1;
        }
        catch (ArgumentException e)
        {
            CliError.Write(e.Message);
            return 2;
        }
    }

    static void Show(Cifar10Status status)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(status.Folder))
            .AddColumn(new TableColumn("file").NoWrap()).AddColumn(new TableColumn("images").RightAligned())
            .AddColumn(new TableColumn("md5").NoWrap()).AddColumn("check");
        foreach (var f in status.Files)
        {
            var check = f.Check switch
            {
                FileCheck.Verified => "[green]verified[/]",
                FileCheck.NotChecked => "[grey]not checked[/]",
                FileCheck.Unlisted => "[yellow]not in MD5SUMS, not read[/]",
                FileCheck.Mismatch => $"[red]md5 mismatch (expected {f.ExpectedMd5})[/]",
                FileCheck.Missing => "[red]missing[/]",
                FileCheck.BadSize => $"[red]bad size: {f.Bytes:N0} bytes[/]",
                _ => f.Check.ToString(),
            };
            table.AddRow(Markup.Escape(f.Name), f.Images > 0 ? $"{f.Images:N0}" : "", f.ActualMd5 ?? "", check);
        }
        if (status.Files.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(status.Ok ? $"[green]{Markup.Escape(status.Summary)}[/]" : $"[red]{Markup.Escape(status.Summary)}[/]");
        if (!status.Ok) AnsiConsole.MarkupLine(Markup.Escape(Cifar10.HowToInstall(status.Folder)));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag behind).</summary>
    sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
