using System.CommandLine;
using System.Globalization;
using MlpRevival.Data;
using MlpRevival.Models;
using MlpRevival.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course train &lt;config&gt;: one training run on CIFAR-10 from the command line, with the same
/// engine the notebooks use (MlpRevival.Training.Trainer): a live progress bar, then the per-epoch
/// table, top-1…top-5 and per-class accuracy. Exit codes: 0 done, 1 the run failed (NaN loss,
/// missing data, unusable checkpoint), 2 bad options, 130 interrupted (resume with --resume).
/// The model comes from <c>buildModel(name, seed, device)</c>, so the command knows nothing of
/// model families.
/// </summary>
static class TrainCommand
{
    /// <summary>`course train` over the course's model registry (course cost --list names them).</summary>
    public static Command Create() =>
        Create((name, seed, device) => ModelZoo.Build(ModelZoo.Get(name), seed, device), ModelZoo.Names,
               name => (ModelZoo.Get(name).ImageSize, ModelZoo.Get(name).Classes));

    /// <param name="inputOf">The image side and class count a config is built for, checked against the data
    /// before a model is built (a 224² ImageNet config on 32² CIFAR-10 otherwise fails deep inside libtorch).</param>
    public static Command Create(Func<string, int, Device, nn.Module<Tensor, Tensor>> buildModel, IEnumerable<string> names,
                                 Func<string, (int ImageSize, int Classes)>? inputOf = null)
    {
        var known = names.ToList();
        var config = new Argument<string>("config") { Description = $"The model configuration: {string.Join(", ", known)}." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "Batch size.", DefaultValueFactory = _ => 128 };
        var samples = new Option<int?>("--samples") { Description = "Train on a class-balanced subset of this many images, a multiple of the class count (default: all)." };
        var testSamples = new Option<int?>("--test-samples") { Description = "Evaluate on a class-balanced subset of this many test images, a multiple of the class count (default: all)." };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var wd = new Option<double>("--wd") { Description = "Weight decay (passed to AdamW explicitly; TorchSharp's default is 0), on weight matrices only, as timm.", DefaultValueFactory = _ => 0.05 };
        var decayAll = new Option<bool>("--decay-all") { Description = "Weight decay on every parameter, biases, norms and embeddings too (a bare torch.optim.AdamW(model.parameters()), the seed's code)." };
        var optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd (Nesterov momentum 0.9).", DefaultValueFactory = _ => "adamw" };
        var warmup = new Option<double>("--warmup") { Description = "Warmup epochs (linear), then cosine decay.", DefaultValueFactory = _ => 0 };
        var schedule = new Option<string>("--schedule") { Description = "cosine or constant.", DefaultValueFactory = _ => "cosine" };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing ε.", DefaultValueFactory = _ => 0 };
        var clip = new Option<double?>("--clip") { Description = "Clip the gradient norm to this value." };
        var augment = new Option<bool>("--augment") { Description = "Random crop (pad 4) and horizontal flip." };
        var data = new Option<string?>("--data") { Description = $"CIFAR-10 folder (default: ${Cifar10.EnvironmentVariable} or datasets/cache/{Cifar10.FolderName}; downloaded if missing)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Write a checkpoint here after every epoch." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --checkpoint (refused if --lr, --batch, the model or other settings differ)." };
        var resumeAnyway = new Option<bool>("--resume-anyway") { Description = "Like --resume, but go on where settings differ from the checkpoint's (printed); not for another model size or optimizer." };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, batch order, augmentation and dropout.", DefaultValueFactory = _ => 0 };
        var device = new Option<string?>("--device") { Description = $"auto, cpu, cuda or cuda:N (default: ${Devices.EnvironmentVariable} or auto)." };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop after this many optimizer steps (quick runs)." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (default: its own choice)." };
        var measureData = new Option<bool>("--measure-data") { Description = "Do not train: measure what the data pipeline costs next to a training step of this model and batch." };

        var command = new Command("train", "Train a model on CIFAR-10 with a live progress bar; print the per-epoch table and top-1…top-5.");
        command.Arguments.Add(config);
        foreach (var o in new Option[] { epochs, batch, samples, testSamples, lr, wd, decayAll, optimizer, warmup, schedule, smoothing, clip, augment, data, checkpoint, resume, resumeAnyway, seed, device, maxSteps, threads, measureData })
            command.Options.Add(o);

        command.SetAction((parse, cancel) => Task.FromResult(Execute(parse, cancel)));
        return command;

        int Execute(ParseResult parse, CancellationToken cancel)
        {
            var name = parse.GetValue(config)!;
            TrainConfig run;
            Device chosen;
            try
            {
                if (!known.Contains(name))
                    throw new ArgumentException($"Unknown config '{name}'. Known: {string.Join(", ", known)}.");
                run = new TrainConfig
                {
                    Name = name,
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr),
                    WeightDecay = parse.GetValue(wd),
                    DecayAllParameters = parse.GetValue(decayAll),
                    Optimizer = parse.GetValue(optimizer)!.ToLowerInvariant() switch
                    {
                        "adamw" => OptimizerKind.AdamW,
                        "sgd" => OptimizerKind.Sgd,
                        var other => throw new ArgumentException($"--optimizer {other}: use adamw or sgd."),
                    },
                    Schedule = parse.GetValue(schedule)!.ToLowerInvariant() switch
                    {
                        "cosine" => ScheduleKind.Cosine,
                        "constant" => ScheduleKind.Constant,
                        var other => throw new ArgumentException($"--schedule {other}: use cosine or constant."),
                    },
                    WarmupEpochs = parse.GetValue(warmup),
                    LabelSmoothing = parse.GetValue(smoothing),
                    ClipGradNorm = parse.GetValue(clip),
                    Seed = parse.GetValue(seed),
                    Device = parse.GetValue(device),
                    MaxSteps = parse.GetValue(maxSteps),
                    CheckpointPath = parse.GetValue(checkpoint) is { } c ? Path.GetFullPath(c) : null,
                    Resume = parse.GetValue(resume) || parse.GetValue(resumeAnyway),
                    ResumeAnyway = parse.GetValue(resumeAnyway),
                };
                if (run.Resume && run.CheckpointPath is null) throw new ArgumentException($"{(run.ResumeAnyway ? "--resume-anyway" : "--resume")} needs --checkpoint <file>.");
                TrainOptionRanges.Check(run);
                run.Validate();
                if (parse.GetValue(threads) is { } t)
                {
                    TrainOptionRanges.CheckThreads(t);
                    torch.set_num_threads(t);
                }
                chosen = string.IsNullOrWhiteSpace(run.Device) ? Devices.Default : Devices.Choose(run.Device);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                CliError.Write(e.Message);
                return 2;
            }

            ImageSet? train = null, test = null;
            try
            {
                var folder = Cifar10.Ensure(parse.GetValue(data));
                train = Subset(Cifar10.LoadTrain(folder), parse.GetValue(samples), run.Seed, "--samples");
                test = Subset(Cifar10.LoadTest(folder), parse.GetValue(testSamples), run.Seed, "--test-samples");
                var pipeline = DataPipeline.For(train);
                if (parse.GetValue(augment)) pipeline = pipeline.WithAugmentation();
                if (run.Resume && !File.Exists(run.CheckpointPath))
                    AnsiConsole.MarkupLine($"[yellow]No checkpoint at {Markup.Escape(run.CheckpointPath!)} yet: starting a new run.[/]");
                AnsiConsole.MarkupLine($"[grey]data: {Markup.Escape(train.ToString())}; test: {test.Count:N0} images; pipeline: {Markup.Escape(pipeline.ToString())}[/]");

                if (inputOf?.Invoke(name) is { } wants && (wants.ImageSize != train.Height || wants.ImageSize != train.Width || wants.Classes != train.ClassNames.Count))
                {
                    var fitting = known.Where(n => inputOf(n) == (train.Height, train.ClassNames.Count)).ToList();
                    CliError.Write($"{name} is built for {wants.ImageSize}×{wants.ImageSize} images and {wants.Classes} classes; the data has {train.Height}×{train.Width} images " +
                                   $"and {train.ClassNames.Count} classes. Train a config built for them ({string.Join(", ", fitting)}); `course cost {name}` shows what {name} costs.");
                    return 2;
                }
                using var model = buildModel(name, (int)run.Seed, chosen);
                if (parse.GetValue(measureData))
                {
                    var timing = PipelineProfiler.Measure(model, train, pipeline, run.BatchSize, batches: 20, chosen, name);
                    AnsiConsole.WriteLine(timing.ToString());
                    return 0;
                }
                var result = RunWithProgress(model, train, test, run, pipeline, cancel);
                Report(result);
                return result.Status switch
                {
                    TrainStatus.Completed => 0,
                    TrainStatus.Cancelled => 130,
                    _ => 1,
                };
            }
            catch (Exception e) when (e is DataSetException or InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                CliError.Write(e.Message);
                return e is ArgumentException ? 2 : 1;
            }
            finally
            {
                train?.Dispose();
                test?.Dispose();
            }
        }
    }

    static ImageSet Subset(ImageSet set, int? samples, long seed, string option)
    {
        if (samples is not { } n) return set;
        using (set)
        {
            // The message is made while the set is alive (it used to be disposed first, and reading its size then threw).
            int classes = set.ClassNames.Count;
            if (TrainOptionRanges.SubsetProblem(option, n, classes, set.ClassCounts().Min()) is { } problem) throw new ArgumentException(problem);
            return set.Subset(n / classes, seed);
        }
    }

    static TrainResult RunWithProgress(nn.Module<Tensor, Tensor> model, ImageSet train, ImageSet test, TrainConfig config, DataPipeline pipeline, CancellationToken cancel)
    {
        // A live bar needs a terminal; redirected output (CI, logs) gets plain lines instead of escape codes.
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return Trainer.Fit(model, train, test, config, pipeline, new ConsoleProgress(reportEnd: false), cancel);
        TrainResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => result = Trainer.Fit(model, train, test, config, pipeline, new SpectreProgress(context), cancel));
        return result!;
    }

    /// <summary>One bar for the whole run; its description carries epoch, loss, accuracy and img/s.</summary>
    sealed class SpectreProgress(ProgressContext context) : ITrainingProgress
    {
        ProgressTask? task;
        string last = "";

        public void Start(RunStart s)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(s.Config.Name)}[/]: {s.Parameters:N0} parameters on {Markup.Escape(s.Device)}, " +
                                   $"{s.Config.Epochs} epoch{(s.Config.Epochs == 1 ? "" : "s")} × {s.StepsPerEpoch} steps of {s.Config.BatchSize}, {s.Config.Optimizer} lr {s.Config.LearningRate:G3} wd {s.Config.WeightDecay:G3}" +
                                   (s.FirstEpoch > 0 ? $", resuming after epoch {s.FirstEpoch}" : ""));
            if (s.ResumedDespite.Count > 0)
                AnsiConsole.MarkupLine($"[yellow]resumed despite other settings than the checkpoint's: {Markup.Escape(string.Join(", ", s.ResumedDespite))}[/]");
            task = context.AddTask("starting", maxValue: Math.Max(s.TotalSteps, 1));
            task.Value = s.FirstStep;
        }

        public void Step(StepReport s)
        {
            if (task is null) return;
            task.Value = s.Step;
            last = string.Create(CultureInfo.InvariantCulture, $"epoch {s.Epoch + 1} loss {s.RunningLoss:F3} top-1 {100 * s.RunningTop1:F1}% {s.ImagesPerSecond:N0} img/s");
            task.Description = Markup.Escape(last);
        }

        public void Evaluating(int epoch)
        {
            if (task is not null) task.Description = Markup.Escape($"{last} (test…)");
        }

        public void EpochEnd(EpochMetrics m, IReadOnlyList<EpochMetrics> history) =>
            context.Refresh();

        public void End(TrainResult result)
        {
            if (task is null) return;
            if (result.Completed) task.Value = task.MaxValue;
            task.Description = Markup.Escape(last);
            task.StopTask();
        }
    }

    static void Report(TrainResult result)
    {
        if (result.Epochs.Count > 0)
        {
            var epochs = new Table().Border(TableBorder.Rounded).Title("per epoch")
                .AddColumns("epoch", "lr", "train\nloss", "train\ntop-1", "test\nloss", "test\ntop-1", "test\ntop-5", "img/s", "s");
            foreach (var column in epochs.Columns) column.RightAligned().NoWrap();
            string Percent(double? x) => x is { } v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%" : "";
            foreach (var e in result.Epochs)
                epochs.AddRow(e.Epoch.ToString(CultureInfo.InvariantCulture), e.LearningRate.ToString("0.0e0", CultureInfo.InvariantCulture),
                    e.TrainLoss.ToString("F3", CultureInfo.InvariantCulture), Percent(e.TrainTop1),
                    e.TestLoss?.ToString("F3", CultureInfo.InvariantCulture) ?? "", Percent(e.TestTop1), Percent(e.TestTop5),
                    e.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture), e.Seconds.ToString("F1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(epochs);
        }
        if (result.Test is { } test)
        {
            var topk = new Table().Border(TableBorder.Rounded).Title($"test ({test.Count:N0})").AddColumns("metric", "accuracy");
            topk.Columns[1].RightAligned();
            for (int k = 0; k < 5; k++) topk.AddRow($"top-{k + 1}", test.TopK[k].ToString("P2", CultureInfo.InvariantCulture));
            topk.AddRow("loss", test.Loss.ToString("F4", CultureInfo.InvariantCulture));
            var perClass = new Table().Border(TableBorder.Rounded).Title("per class (top-1)").AddColumns("class", "accuracy");
            perClass.Columns[1].RightAligned();
            for (int c = 0; c < test.ClassNames.Count; c++)
                perClass.AddRow(Markup.Escape(test.ClassNames[c]), test.PerClassAccuracy[c].ToString("P1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(new Columns(topk, perClass).Collapse());
        }
        var color = result.Completed ? "green" : result.Status == TrainStatus.Cancelled ? "yellow" : "red";
        AnsiConsole.MarkupLine($"[{color}]{Markup.Escape(result.Message)}[/]");
        if (result.Config.CheckpointPath is { } path && File.Exists(path))
            AnsiConsole.MarkupLine($"[grey]checkpoint: {Markup.Escape(path)}[/]");
    }
}
