using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MlpRevival.Cli.Bench;
using Spectre.Console;
using TorchSharp;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course bench [--json]: training throughput of course models on this CPU, ours (TorchSharp)
/// and PyTorch side by side in one run, with achieved GFLOP/s, each side's GEMM peak and MFU.
/// PyTorch is optional: without a python3 that has torch the bench reports ours and says why.
/// --json prints one JSON array, one object per model and batch, on stdout (progress and notes go
/// to stderr). Exit codes: 0 measured, 1 a row's PyTorch model has another parameter count than
/// ours (the PyTorch side of that row is refused), 2 bad options.
/// </summary>
static class BenchCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array (one object per model and batch) instead of a table." };
        var models = new Option<string[]>("--models")
        {
            Description = $"Models to measure, comma-separated or repeated (default: {string.Join(",", BenchPlan.DefaultModels)}); any of: " +
                          $"{string.Join(", ", MlpRevival.Models.ModelZoo.Names)}.",
            AllowMultipleArgumentsPerToken = true,
        };
        var batches = new Option<string[]>("--batches") { Description = $"Batch sizes, comma-separated or repeated (default: {string.Join(",", BenchPlan.DefaultBatches)}).", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int?>("--threads") { Description = "Threads on both sides (default: TorchSharp's own choice on this machine)." };
        var warmup = new Option<int>("--warmup") { Description = "Untimed training steps per side before timing.", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Training steps in one timed window.", DefaultValueFactory = _ => 3 };
        var windows = new Option<int>("--windows") { Description = "Timed windows per side (alternating ours/PyTorch); img/s is their median.", DefaultValueFactory = _ => 5 };
        var gemmSize = new Option<int>("--gemm-size") { Description = "n of the n×n float32 matmul that measures each side's peak.", DefaultValueFactory = _ => 1024 };
        var python = new Option<string?>("--python") { Description = $"The python3 with torch for the PyTorch side (default: ${PythonLocator.EnvironmentVariable}, then /usr/bin/python3, then python3 on PATH)." };
        var noPytorch = new Option<bool>("--no-pytorch") { Description = "Measure ours only." };

        var command = new Command("bench", "Training throughput (img/s, GFLOP/s, MFU) of course models, ours and PyTorch side by side in one run.");
        foreach (var o in new Option[] { json, models, batches, threads, warmup, steps, windows, gemmSize, python, noPytorch }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            BenchPlan plan;
            try
            {
                plan = new BenchPlan(
                    Split(parse.GetValue(models)) is { Count: > 0 } m ? m : BenchPlan.DefaultModels,
                    Split(parse.GetValue(batches)) is { Count: > 0 } b ? b.Select(ParseBatch).ToArray() : BenchPlan.DefaultBatches,
                    parse.GetValue(threads) ?? torch.get_num_threads(),
                    parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(windows), parse.GetValue(gemmSize));
                plan.Validate();
                plan = plan with { Models = plan.Models.Select(n => MlpRevival.Models.ModelZoo.Entry(n).Name).ToArray() };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"course bench: {e.Message}");
                return 2;
            }

            var choice = parse.GetValue(noPytorch) ? null : PythonLocator.Find(parse.GetValue(python));
            if (choice is { Found: false })
            {
                var message = $"PyTorch side skipped: {choice.Reason} Ours is measured alone.";
                if (asJson) Console.Error.WriteLine(message);
                else AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(message)}[/]");
            }
            if (BenchRunner.LoadAverage() is [var load, ..] && load >= Environment.ProcessorCount)
            {
                var busy =
                    $"Load average {load.ToString("F2", CultureInfo.InvariantCulture)} on {Environment.ProcessorCount} cores: other processes compete for the CPU. Both sides suffer alike " +
                    "(windows alternate), so the ratio stays meaningful, but absolute img/s do not" +
                    (plan.Threads > 1 ? $"; with {plan.Threads} threads every parallel op waits for its slowest thread, so --threads 1 may even be faster here." : ".");
                if (asJson) Console.Error.WriteLine(busy);
                else AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(busy)}[/]");
            }
            var report = BenchRunner.Run(plan, choice, line => Console.Error.WriteLine(line));
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(report.Rows, JsonOptions));
            else Print(report);
            if (report.AnyMismatch)
            {
                Console.Error.WriteLine("course bench: a PyTorch model's parameter count differs from ours (see pytorch_note); those rows are not compared.");
                return 1;
            }
            return 0;
        });
        return command;
    }

    static List<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    static int ParseBatch(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b > 0
            ? b : throw new ArgumentException($"--batches: '{text}' is not a positive integer.");

    static string Threads(int n) => n == 1 ? "1 thread" : $"{n} threads";

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    static void Print(BenchReport report)
    {
        var plan = report.Plan;
        string F(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        string Load(IReadOnlyList<double>? l) => l is null ? "?" : string.Join(" ", l.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)));

        AnsiConsole.MarkupLine(Markup.Escape($"ours: {report.TorchSharp}, {Threads(plan.Threads)}, {Environment.ProcessorCount} cores"));
        if (report.PytorchVersion is { } version)
        {
            var blas = report.PytorchBlas.Any(b => b.Contains("openblas", StringComparison.OrdinalIgnoreCase)) ? "OpenBLAS"
                : report.PytorchBlas.Any(b => b.Contains("mkl", StringComparison.OrdinalIgnoreCase)) ? "MKL"
                : "reference BLAS?";
            AnsiConsole.MarkupLine(Markup.Escape($"PyTorch: {version} at {report.Python?.Path}, {blas}, {Threads(plan.Threads)} (torch.set_num_threads, OMP/OPENBLAS_NUM_THREADS)"));
            if (blas == "reference BLAS?")
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape($"PyTorch loaded no OpenBLAS ({string.Join(", ", report.PytorchBlas)}): its numbers are far below what it can do; `{PythonLocator.InstallCommand}`.")}[/]");
        }
        AnsiConsole.MarkupLine(Markup.Escape($"GEMM peak ({plan.GemmSize}² float32 matmul, best of {plan.GemmRepeats}, before and after the rows): " +
                                             $"ours {F(report.OursPeakGflops, "F1")} GFLOP/s" +
                                             (report.PytorchPeakGflops is { } peak ? $", PyTorch {F(peak, "F1")} GFLOP/s" : "")));
        AnsiConsole.MarkupLine(Markup.Escape($"load average (1/5/15 min): {Load(report.LoadStart)} at start, {Load(report.LoadEnd)} at end"));

        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"training throughput: median of {plan.Windows} windows × {plan.Steps} steps, after {plan.Warmup} warm-up steps"))
            .AddColumns("model", "batch", "params", "ours\nimg/s", "PyTorch\nimg/s", "ratio\nours/PT", "ours\nGFLOP/s", "PyTorch\nGFLOP/s", "ours\nMFU", "PyTorch\nMFU");
        table.Columns[0].NoWrap();
        foreach (var column in table.Columns.Skip(1)) column.RightAligned().NoWrap();
        string Short(double x) => x.ToString(x >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture);
        string Range(IReadOnlyList<double>? w) => w is { Count: > 1 } ? $"\n[grey]{Short(w.Min())}–{Short(w.Max())}[/]" : "";
        foreach (var r in report.Rows)
        {
            table.AddRow(
                Markup.Escape(r.Model), r.Batch.ToString(CultureInfo.InvariantCulture),
                r.Params.ToString("N0", CultureInfo.InvariantCulture) +
                    (r.ParamsMismatch ? $"\n[red]PT {r.PytorchParams:N0}[/]" : r.PytorchParams is not null ? "\n[grey]= PT[/]" : ""),
                F(r.OursImgS, "F1") + Range(r.OursWindowsImgS), F(r.PytorchImgS, "F1") + Range(r.PytorchWindowsImgS),
                r.Ratio is { } ratio ? $"[bold]{ratio.ToString("F2", CultureInfo.InvariantCulture)}[/]" : "–",
                F(r.OursGflops, "F1"), F(r.PytorchGflops, "F1"),
                F(r.Mfu, "P1"), F(r.PytorchMfu, "P1"));
        }
        table.Caption(Markup.Escape(BenchConvention.Text + " Grey: slowest–fastest window; \"= PT\": PyTorch's model has the same parameter count."));
        AnsiConsole.Write(table);
        foreach (var note in report.Rows.Select(r => (r.Model, r.Batch, r.PytorchNote)).Where(n => n.PytorchNote is not null)
                     .GroupBy(n => n.PytorchNote))
        {
            var where = string.Join(", ", note.Select(n => $"{n.Model}@{n.Batch}"));
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape($"{where}: {note.Key}")}[/]");
        }
    }
}
