using System.Diagnostics;
using System.Globalization;
using MlpRevival.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Training;

/// <summary>
/// Trains any <c>Module&lt;Tensor, Tensor&gt;</c> that maps a normalised image batch [B, 3, H, W]
/// to class logits [B, classes]: cross-entropy, AdamW or SGD, warmup + cosine schedule per step,
/// optional label smoothing and gradient clipping, test evaluation after every epoch, a checkpoint
/// after every epoch, and resume. Deterministic on the CPU for a given seed: batch order,
/// augmentation and dropout are all drawn from (seed, epoch[, batch]), so a resumed run repeats the
/// uninterrupted one step for step.
///
/// A NaN or infinite loss stops the run: the result has status <see cref="TrainStatus.Diverged"/>,
/// a message naming the epoch, step and learning rate, and the history so far.
/// </summary>
public static class Trainer
{
    public static TrainResult Fit(nn.Module<Tensor, Tensor> model, ImageSet train, ImageSet? test, TrainConfig config,
                                  DataPipeline? pipeline = null, ITrainingProgress? progress = null, CancellationToken cancel = default)
    {
        config.Validate();
        if (config.CheckpointPath is { } checkpointPath) Checkpoint.CheckWritable(checkpointPath);   // before training, not after the first epoch
        pipeline ??= DataPipeline.For(train);
        progress ??= TrainingProgress.Auto();
        var device = string.IsNullOrWhiteSpace(config.Device) ? Devices.Default : Devices.Choose(config.Device);
        model.to(device);
        long parameters = model.parameters().Sum(p => p.numel());

        var loader = new BatchLoader(train, config.BatchSize, pipeline.TrainTransforms, shuffle: true, config.Seed, device, config.Prefetch);
        int stepsPerEpoch = loader.BatchesPerEpoch;
        var schedule = LearningRateSchedule.For(config, stepsPerEpoch);
        using var optimizer = CreateOptimizer(model, config);

        var history = new List<EpochMetrics>();
        var stepLosses = new List<float>();
        int firstEpoch = 0;
        long step = 0;
        IReadOnlyList<string> resumedDespite = [];
        if (config.Resume && config.CheckpointPath is { } resumePath && File.Exists(resumePath))
        {
            // Length, checksum and settings are checked before anything is loaded: a refused resume leaves the model as it was.
            var info = Checkpoint.Verify(resumePath);
            resumedDespite = CheckResumable(info, config, train.Count, parameters, pipeline.ToString(), resumePath);
            var meta = Checkpoint.Load(resumePath, model, optimizer);
            model.to(device);
            firstEpoch = meta.EpochsDone;
            step = meta.Steps;
            history.AddRange(meta.History);
            stepLosses.AddRange(meta.StepLosses);
        }

        var runClock = Stopwatch.StartNew();
        progress.Start(new RunStart(config, device.ToString(), parameters, stepsPerEpoch, schedule.TotalSteps, firstEpoch, step, train.Count, test?.Count)
                       { ResumedDespite = resumedDespite });
        var status = TrainStatus.Completed;
        string? failure = null;
        EvalResult? lastEval = null;

        for (int epoch = firstEpoch; epoch < config.Epochs && status == TrainStatus.Completed && step < schedule.TotalSteps; epoch++)
        {
            if (cancel.IsCancellationRequested) { status = TrainStatus.Cancelled; break; }
            // Dropout and any other use of the global generator: seeded per epoch, so a resume at an epoch boundary repeats it.
            torch.manual_seed(Seeds.Mix(config.Seed, 0xD0, epoch));
            if (device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(Seeds.Mix(config.Seed, 0xD0, epoch));
            model.train();
            var sums = new MetricSums(classes: 0);   // no confusion matrix for training batches
            var epochClock = Stopwatch.StartNew();
            double lr = schedule.At(step);
            int inEpoch = 0;
            foreach (var batch in loader.Epoch(epoch))
            {
                using var _ = batch;
                if (cancel.IsCancellationRequested) { status = TrainStatus.Cancelled; break; }
                using var scope = torch.NewDisposeScope();
                lr = schedule.At(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                optimizer.zero_grad();
                var logits = model.forward(batch.Images);
                var loss = nn.functional.cross_entropy(logits, batch.Labels, label_smoothing: config.LabelSmoothing);
                float value = loss.item<float>();
                stepLosses.Add(value);
                if (!float.IsFinite(value))
                {
                    status = TrainStatus.Diverged;
                    failure = $"Stopped: the loss became {(float.IsNaN(value) ? "NaN" : "infinite")} at epoch {epoch + 1}, step {inEpoch + 1} of {stepsPerEpoch} " +
                              $"(optimizer step {step + 1}, learning rate {lr.ToString("G3", CultureInfo.InvariantCulture)}). " +
                              "Try a lower learning rate (or a longer warmup), or clip gradients (ClipGradNorm / --clip). " +
                              $"The history up to here is kept{(config.CheckpointPath is null ? "" : "; the last epoch's checkpoint is untouched")}.";
                    break;
                }
                loss.backward();
                if (config.ClipGradNorm is { } maxNorm) nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
                optimizer.step();
                step++;
                inEpoch++;
                sums.Add(logits.detach(), batch.Labels, value);
                double seconds = epochClock.Elapsed.TotalSeconds;
                progress.Step(new StepReport(epoch, inEpoch, stepsPerEpoch, step, schedule.TotalSteps, lr, value, sums.MeanLoss,
                                             sums.TopK[0], sums.Count / Math.Max(seconds, 1e-9), runClock.Elapsed.TotalSeconds));
                if (step >= schedule.TotalSteps) break;
            }
            double trainSeconds = epochClock.Elapsed.TotalSeconds;
            if (status != TrainStatus.Completed || inEpoch == 0) break;

            bool lastEpoch = epoch + 1 == config.Epochs || step >= schedule.TotalSteps;
            double? testLoss = null;
            IReadOnlyList<double>? testTopK = null;
            if (test is not null && (config.EvaluateEveryEpoch || lastEpoch))
            {
                progress.Evaluating(epoch);
                lastEval = Evaluate(model, test, pipeline, config.EvalBatchSize, device);
                testLoss = lastEval.Loss;
                testTopK = lastEval.TopK;
            }
            var metrics = new EpochMetrics(epoch + 1, step, lr, sums.MeanLoss, sums.TopK, testLoss, testTopK,
                                           sums.Count / Math.Max(trainSeconds, 1e-9), epochClock.Elapsed.TotalSeconds, sums.Count);
            history.Add(metrics);
            if (config.CheckpointPath is { } path)
                Checkpoint.Save(path, new Checkpoint(Checkpoint.CurrentVersion, config.Name, epoch + 1, step, config.Seed, config.BatchSize, train.Count,
                                                     config.Optimizer, parameters, history.ToList(), stepLosses.ToList())
                                      { Config = config, Pipeline = pipeline.ToString() }, model, optimizer);
            progress.EpochEnd(metrics, history.ToList());
        }

        if (status == TrainStatus.Cancelled)
            failure = $"Cancelled after {history.Count} of {config.Epochs} epochs ({step} steps)." +
                      (config.CheckpointPath is null ? "" : $" Resume from {config.CheckpointPath} with Resume = true (--resume).");
        string message = failure ?? (history.Count == 0
            ? $"Nothing to do: the checkpoint already holds {firstEpoch} of {config.Epochs} epochs."
            : $"Done: {history.Count} epoch{(history.Count == 1 ? "" : "s")}, {step:N0} steps in {runClock.Elapsed.TotalSeconds:F1} s" +
              (history[^1].TestTopK is { } t ? $"; test top-1 {t[0]:P1}, top-5 {t[4]:P1}." : "."));
        var result = new TrainResult(config.Name, status, message, config, history, stepLosses, lastEval, step,
                                     runClock.Elapsed.TotalSeconds, parameters, device.ToString());
        progress.End(result);
        return result;
    }

    /// <summary>Loss, top-1…top-5, confusion matrix and per-class accuracy of <paramref name="model"/> on <paramref name="set"/>.</summary>
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, ImageSet set, DataPipeline pipeline, int batchSize = 500, Device? device = null)
    {
        device ??= Devices.Default;
        var loader = new BatchLoader(set, batchSize, pipeline.EvalTransforms, shuffle: false, seed: 0, device, prefetch: true);
        bool wasTraining = model.training;
        model.eval();
        int classes = set.ClassNames.Count;
        var sums = new MetricSums(classes);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var batch in loader.Epoch(0))
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                var logits = model.forward(batch.Images);
                if (logits.shape[1] != classes)
                    throw new ArgumentException($"the model outputs {logits.shape[1]} logits per image, but the set has {classes} classes.");
                using var loss = nn.functional.cross_entropy(logits, batch.Labels);
                sums.Add(logits, batch.Labels, loss.item<float>(), confusion: true);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new EvalResult(sums.MeanLoss, sums.TopK, sums.Confusion ?? new long[classes, classes], set.ClassNames, sums.Count);
    }

    static optim.Optimizer CreateOptimizer(nn.Module model, TrainConfig c)
    {
        // Weight decay always passed explicitly: TorchSharp's AdamW defaults to 0 (PyTorch's to 0.01).
        var (decay, noDecay) = DecayGroups(model, c);
        return c.Optimizer switch
        {
            OptimizerKind.AdamW => optim.AdamW([
                new TorchSharp.Modules.AdamW.ParamGroup(decay, c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, weight_decay: c.WeightDecay),
                new TorchSharp.Modules.AdamW.ParamGroup(noDecay, c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, weight_decay: 0)],
                c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, c.WeightDecay),
            OptimizerKind.Sgd => optim.SGD([
                new TorchSharp.Modules.SGD.ParamGroup(decay, c.LearningRate, momentum: c.Momentum, dampening: 0, weight_decay: c.WeightDecay, nesterov: c.Nesterov),
                new TorchSharp.Modules.SGD.ParamGroup(noDecay, c.LearningRate, momentum: c.Momentum, dampening: 0, weight_decay: 0, nesterov: c.Nesterov)],
                c.LearningRate, momentum: c.Momentum, dampening: 0, weight_decay: c.WeightDecay, nesterov: c.Nesterov),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Optimizer, "unknown optimizer"),
        };
    }

    /// <summary>
    /// Which parameters weight decay applies to (see <see cref="TrainConfig.DecayAllParameters"/>):
    /// timm's rule — not 1-D parameters (biases, norm scales, gate biases) and not the embeddings
    /// its models list in no_weight_decay (position embeddings, CLS tokens).
    /// </summary>
    public static (List<Parameter> Decay, List<Parameter> NoDecay) DecayGroups(nn.Module model, TrainConfig c)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad) continue;
            var leaf = name[(name.LastIndexOf('.') + 1)..];
            var exempt = parameter.dim() <= 1 || leaf is "bias" or "pos_embed" or "cls_token" or "position_embedding";
            (exempt && !c.DecayAllParameters ? noDecay : decay).Add(parameter);
        }
        return (decay, noDecay);
    }

    /// <summary>
    /// What differs between the run in a checkpoint and <paramref name="config"/>. A model of another
    /// size or another optimizer cannot take the saved state: always refused. Other differences (batch
    /// size, seed, data, learning rate and schedule, weight decay, clipping, label smoothing, name,
    /// pipeline) are refused unless <see cref="TrainConfig.ResumeAnyway"/>; then they are returned, for
    /// the progress display to say. Epochs and MaxSteps may change (extending or capping a run).
    /// </summary>
    static IReadOnlyList<string> CheckResumable(Checkpoint info, TrainConfig config, int trainImages, long parameters, string pipeline, string path)
    {
        if (info.Parameters != parameters || info.Optimizer != config.Optimizer)
            throw new ArgumentException(
                $"Cannot resume from {path}: it holds " +
                (info.Parameters != parameters ? $"a model with {info.Parameters:N0} parameters (now {parameters:N0})" : $"{info.Optimizer} state (now {config.Optimizer})") +
                ", which cannot be loaded into this run, even with ResumeAnyway (--resume-anyway). " +
                $"Use the model and optimizer it was written with{(info.Name != config.Name ? $" ('{info.Name}')" : "")}, or another checkpoint path to start afresh.");

        static string S(double x) => x.ToString("G", CultureInfo.InvariantCulture);
        var differences = new List<string>();
        void Compare<T>(string what, T was, T now, Func<T, string> show)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now)) differences.Add($"{what} {show(was)} (now {show(now)})");
        }
        Compare("name", info.Name, config.Name, n => $"'{n}'");
        Compare("batch size", info.BatchSize, config.BatchSize, n => n.ToString(CultureInfo.InvariantCulture));
        Compare("seed", info.Seed, config.Seed, n => n.ToString(CultureInfo.InvariantCulture));
        if (info.TrainImages != trainImages) differences.Add($"{info.TrainImages:N0} training images (now {trainImages:N0})");
        if (info.Config is { } was)
        {
            Compare("learning rate", was.LearningRate, config.LearningRate, S);
            Compare("minimum learning rate", was.MinLearningRate, config.MinLearningRate, S);
            Compare("schedule", was.Schedule, config.Schedule, k => k.ToString().ToLowerInvariant());
            if (was.WarmupEpochs != config.WarmupEpochs) differences.Add($"warmup {S(was.WarmupEpochs)} epochs (now {S(config.WarmupEpochs)})");
            Compare("weight decay", was.WeightDecay, config.WeightDecay, S);
            Compare("weight decay on", was.DecayAllParameters, config.DecayAllParameters, all => all ? "every parameter" : "weight matrices only");
            Compare("label smoothing", was.LabelSmoothing, config.LabelSmoothing, S);
            Compare("gradient clipping", was.ClipGradNorm, config.ClipGradNorm, c => c is { } v ? S(v) : "none");
            if (config.Optimizer == OptimizerKind.AdamW)
            {
                Compare("beta1", was.Beta1, config.Beta1, S);
                Compare("beta2", was.Beta2, config.Beta2, S);
                Compare("epsilon", was.Epsilon, config.Epsilon, S);
            }
            else
            {
                Compare("momentum", was.Momentum, config.Momentum, S);
                Compare("Nesterov", was.Nesterov, config.Nesterov, b => b ? "on" : "off");
            }
        }
        if (info.Pipeline is { } p) Compare("pipeline", p, pipeline, x => $"'{x}'");
        if (differences.Count > 0 && !config.ResumeAnyway)
            throw new ArgumentException(
                $"Cannot resume from {path}: it was written with {string.Join(", ", differences)}. " +
                "Use the same settings, or go on with the new ones with ResumeAnyway (--resume-anyway), or start afresh with another checkpoint path.");
        return differences;
    }
}
