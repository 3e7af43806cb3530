using MlpRevival.Data;
using MlpRevival.Training;
using TorchSharp;
using static MlpRevival.Tests.Training.TinyProblems;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Training;

/// <summary>
/// Tests that compare runs bit for bit run alone: dropout draws from TorchSharp's one global generator,
/// which the Trainer seeds per epoch, so any test drawing random numbers beside them shifts their stream.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchGenerator
{
    public const string Name = "torch's global generator";
}

/// <summary>The trainer on tiny problems: it learns, resumes exactly, stops on NaN, keeps memory flat.</summary>
[Collection(GlobalTorchGenerator.Name)]
public class TrainerTests
{
    static TrainConfig Quick => new()
    {
        Name = "tiny", Epochs = 4, BatchSize = 16, LearningRate = 3e-3, WeightDecay = 0.01, Device = "cpu",
        Prefetch = true, EvalBatchSize = 64,
    };

    [Fact]
    public void Drives_the_loss_down_and_learns_a_learnable_problem()
    {
        using var train = Squares(60, seed: 1);
        using var test = Squares(30, seed: 2);
        using var model = MakeMlp(seed: 0);
        var result = Trainer.Fit(model, train, test, Quick with { Epochs = 6 }, progress: SilentProgress.Instance);

        Assert.True(result.Completed, result.Message);
        Assert.Equal(6, result.Epochs.Count);
        Assert.Equal(6 * 12, result.Steps);                                // 180 images / 16 → 12 steps per epoch
        Assert.True(result.Epochs[^1].TrainLoss < 0.5 * result.Epochs[0].TrainLoss,
            $"train loss {result.Epochs[0].TrainLoss:F3} → {result.Epochs[^1].TrainLoss:F3}");
        Assert.True(result.Test!.Top1 > 0.9, $"test top-1 {result.Test.Top1:P1} (chance: 33%)");
        Assert.Equal(1.0, result.Test.TopK[2]);                            // 3 classes: top-3 always right
        Assert.Equal(6, result.History.Rows.Count);
        Assert.Equal(result.Epochs[^1].TestTop1, (double?)result.History["test_top1"][5]);
        Assert.True(result.ImagesPerSecond > 0);
    }

    [Fact]
    public void A_resumed_run_repeats_the_uninterrupted_one_exactly()
    {
        using var train = Squares(40, seed: 3);
        using var test = Squares(10, seed: 4);
        var dir = Data.SyntheticCifar.Temp();
        // Everything random switched on: augmentation, dropout, warmup + cosine, label smoothing, clipping, prefetch.
        var config = Quick with { Epochs = 3, WarmupEpochs = 0.5, LabelSmoothing = 0.1, ClipGradNorm = 1.0 };
        var pipeline = DataPipeline.For(train).WithAugmentation(padding: 1, flip: true);

        using var straightModel = MakeMlp(seed: 7);
        var straight = Trainer.Fit(straightModel, train, test, config, pipeline, SilentProgress.Instance);

        var checkpoint = Path.Combine(dir, "run.ckpt");
        using var cancel = new CancellationTokenSource();
        using var firstModel = MakeMlp(seed: 7);
        var interrupted = Trainer.Fit(firstModel, train, test, config with { CheckpointPath = checkpoint }, pipeline,
                                      new CancelAfterEpochs(1, cancel), cancel.Token);
        Assert.Equal(TrainStatus.Cancelled, interrupted.Status);
        Assert.Single(interrupted.Epochs);
        Assert.Equal(1, Checkpoint.ReadInfo(checkpoint).EpochsDone);

        using var resumedModel = MakeMlp(seed: 12345);                    // other initial weights: the checkpoint's must win
        var resumed = Trainer.Fit(resumedModel, train, test, config with { CheckpointPath = checkpoint, Resume = true }, pipeline, SilentProgress.Instance);

        Assert.True(resumed.Completed, resumed.Message);
        Assert.Equal(straight.StepLosses, resumed.StepLosses);             // bit-for-bit, every step of all 3 epochs
        Assert.Equal(straight.Epochs.Select(e => e.TrainLoss), resumed.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(straight.Epochs.Select(e => e.TestLoss), resumed.Epochs.Select(e => e.TestLoss));
        Assert.Equal(straight.Test!.TopK, resumed.Test!.TopK);
        Assert.Equal(["run.ckpt"], Directory.GetFiles(dir).Select(Path.GetFileName));   // no temporary files left
    }

    [Fact]
    public void Resuming_with_other_settings_is_refused_with_what_differs()
    {
        using var train = Squares(10, seed: 3);
        var checkpoint = Path.Combine(Data.SyntheticCifar.Temp(), "run.ckpt");
        using (var model = MakeMlp(0))
            Trainer.Fit(model, train, null, Quick with { Epochs = 1, CheckpointPath = checkpoint }, progress: SilentProgress.Instance);
        using var again = MakeMlp(0);
        var e = Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(again, train, null, Quick with { Epochs = 2, BatchSize = 8, CheckpointPath = checkpoint, Resume = true }, progress: SilentProgress.Instance));
        Assert.Contains("batch size 16 (now 8)", e.Message);
    }

    [Fact]
    public void A_nan_loss_stops_the_run_with_a_clear_message_and_keeps_the_history()
    {
        using var train = Squares(20, seed: 5);                            // 60 images: 4 steps per epoch
        using var model = new NaNAfter(MakeMlp(0), healthySteps: 6);       // epoch 1 fine, NaN at epoch 2, step 3
        var checkpoint = Path.Combine(Data.SyntheticCifar.Temp(), "run.ckpt");
        var result = Trainer.Fit(model, train, null, Quick with { CheckpointPath = checkpoint }, progress: SilentProgress.Instance);

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("loss became NaN at epoch 2, step 3 of 4", result.Message);
        Assert.Contains("learning rate", result.Message);
        Assert.Contains("lower learning rate", result.Message);
        Assert.Contains("clip gradients", result.Message);
        Assert.Single(result.Epochs);                                      // epoch 1 kept
        Assert.Equal(7, result.StepLosses.Count);
        Assert.True(float.IsNaN(result.StepLosses[^1]));
        Assert.Equal(1, Checkpoint.ReadInfo(checkpoint).EpochsDone);       // the last good checkpoint is untouched
        var thrown = Assert.Throws<TrainingFailedException>(() => result.EnsureCompleted());
        Assert.Same(result, thrown.Result);
    }

    [Fact]
    public void A_huge_learning_rate_diverges_and_is_caught()
    {
        using var train = Squares(20, seed: 5);
        using var model = MakeMlp(0, dropout: 0);
        var result = Trainer.Fit(model, train, null, Quick with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e10, Schedule = ScheduleKind.Constant, Epochs = 3 },
                                 progress: SilentProgress.Instance);
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("learning rate 1E+10", result.Message);
        Assert.Equal(TrainStatus.Diverged, result.Status);
    }

    [Fact]
    public void Memory_stays_flat_over_many_steps()
    {
        using var train = Squares(40, seed: 6);                            // 120 images, batch 2 → 60 steps per epoch
        using var test = Squares(5, seed: 7);
        using var model = MakeMlp(0);
        var probe = new LiveTensorProbe();
        var checkpoint = Path.Combine(Data.SyntheticCifar.Temp(), "run.ckpt");
        var result = Trainer.Fit(model, train, test, Quick with { Epochs = 3, BatchSize = 2, CheckpointPath = checkpoint }, progress: probe);
        Assert.True(result.Completed);
        // Steps, evaluations and checkpoints in between: nothing may accumulate.
        long early = probe.At[10], late = probe.At[180];
        Assert.True(late - early <= 2, $"live tensors grew from {early} at step 10 to {late} at step 180");
    }

    [Fact]
    public void The_schedule_warms_up_linearly_then_follows_a_cosine()
    {
        var s = LearningRateSchedule.For(new TrainConfig { Epochs = 10, LearningRate = 0.1, MinLearningRate = 0.001, WarmupEpochs = 1 }, stepsPerEpoch: 10);
        Assert.Equal(10, s.WarmupSteps);
        Assert.Equal(100, s.TotalSteps);
        Assert.Equal(0.01, s.At(0), 12);
        Assert.Equal(0.1, s.At(9), 12);
        Assert.Equal(0.1, s.At(10), 12);
        Assert.Equal(0.001 + 0.099 * 0.5 * (1 + Math.Cos(Math.PI * 45 / 90.0)), s.At(55), 12);
        Assert.Equal(0.001, s.At(100), 12);
        var constant = LearningRateSchedule.For(new TrainConfig { Epochs = 2, LearningRate = 0.1, Schedule = ScheduleKind.Constant }, 5);
        Assert.Equal(0.1, constant.At(9));
        var capped = LearningRateSchedule.For(new TrainConfig { Epochs = 10, MaxSteps = 7 }, 10);
        Assert.Equal(7, capped.TotalSteps);
    }

    [Fact]
    public void Max_steps_ends_a_quick_run_early_with_an_evaluated_partial_epoch()
    {
        using var train = Squares(60, seed: 1);
        using var test = Squares(5, seed: 2);
        using var model = MakeMlp(0);
        var result = Trainer.Fit(model, train, test, Quick with { MaxSteps = 5 }, progress: SilentProgress.Instance);
        Assert.True(result.Completed);
        Assert.Equal(5, result.Steps);
        Assert.Equal(5, result.StepLosses.Count);
        Assert.Equal(80, Assert.Single(result.Epochs).TrainImages);
        Assert.NotNull(result.Test);
    }

    [Fact]
    public void Bad_settings_are_refused_before_training()
    {
        using var train = Squares(5, seed: 1);
        using var model = MakeMlp(0);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null, Quick with { LearningRate = -1 }, progress: SilentProgress.Instance));
        Assert.Contains("LearningRate must be above 0", e.Message);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null, Quick with { Resume = true }, progress: SilentProgress.Instance));
    }

    [Fact]
    public void Numbers_the_optimizer_cannot_hold_in_32_bit_floats_are_refused_before_training()
    {
        using var train = Squares(5, seed: 1);
        using var model = MakeMlp(0);
        // AdamW's first step is lr / (1 − β1): 10·lr must fit a float (3.4E+38); SGD's is lr itself.
        var adam = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null, Quick with { LearningRate = 1e300 }, progress: SilentProgress.Instance));
        Assert.Contains("LearningRate must be above 0 and at most 3.4E+37", adam.Message);
        Assert.Equal(3.4e37, (Quick with { Optimizer = OptimizerKind.AdamW }).MaxLearningRate, 1e22);
        Assert.Equal(3.4e38, (Quick with { Optimizer = OptimizerKind.Sgd }).MaxLearningRate, 1e23);
        var sgd = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null,
            Quick with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e39 }, progress: SilentProgress.Instance));
        Assert.Contains("at most 3.4E+38", sgd.Message);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null, Quick with { WeightDecay = 1e39 }, progress: SilentProgress.Instance));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, null, Quick with { ClipGradNorm = 1e39 }, progress: SilentProgress.Instance));
        // The largest allowed rate trains (one step) instead of crashing inside TorchSharp.
        var edge = Trainer.Fit(model, train, null, Quick with { LearningRate = (Quick with { }).MaxLearningRate, Epochs = 1, MaxSteps = 1 }, progress: SilentProgress.Instance);
        Assert.Equal(1, edge.Steps);
    }

    /// <summary>Cancels the run once <paramref name="epochs"/> epochs have ended (as a notebook interrupt would).</summary>
    sealed class CancelAfterEpochs(int epochs, CancellationTokenSource source) : ITrainingProgress
    {
        public void Start(RunStart start) { }
        public void Step(StepReport step) { }
        public void Evaluating(int epoch) { }
        public void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history) { if (history.Count >= epochs) source.Cancel(); }
        public void End(TrainResult result) { }
    }

    /// <summary>Records how many tensors are alive after each step.</summary>
    sealed class LiveTensorProbe : ITrainingProgress
    {
        public Dictionary<long, long> At { get; } = [];
        public void Start(RunStart start) { }
        public void Step(StepReport step) => At[step.Step] = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        public void Evaluating(int epoch) { }
        public void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history) { }
        public void End(TrainResult result) { }
    }

    [Fact]
    public void Weight_decay_spares_biases_norms_gate_biases_and_embeddings_unless_told_otherwise()
    {
        using var model = MlpRevival.Models.ModelZoo.Get<MlpRevival.Models.SeedGmlpConfig>("gmlp-seed-cifar").Build(0);
        var names = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var (decay, noDecay) = Trainer.DecayGroups(model, new TrainConfig());
        var spared = noDecay.Select(p => names[p.Handle]).ToHashSet();
        var decayed = decay.Select(p => names[p.Handle]).ToHashSet();
        // timm's rule, checked by name and shape rather than by the rule itself:
        Assert.Contains("cls_token", spared);
        Assert.Contains("pos_embed", spared);
        Assert.Contains("blocks.0.sgu.spatial_proj.bias", spared);          // the gate's b = 1, a [1, 17] bias
        Assert.All(model.named_parameters().Where(p => p.parameter.dim() == 1 || p.name.EndsWith(".bias")), p => Assert.Contains(p.name, spared));
        Assert.All(model.named_parameters().Where(p => p.parameter.dim() >= 2 && !p.name.EndsWith(".bias") && p.name is not ("cls_token" or "pos_embed")),
            p => Assert.Contains(p.name, decayed));
        Assert.Contains("blocks.0.sgu.spatial_proj.weight", decayed);
        Assert.Equal(model.named_parameters().Count(), spared.Count + decayed.Count);

        var (all, none) = Trainer.DecayGroups(model, new TrainConfig { DecayAllParameters = true });
        Assert.Empty(none);
        Assert.Equal(model.named_parameters().Count(), all.Count);
    }

    [Fact]
    public void One_AdamW_step_with_no_gradient_shrinks_matrices_by_lr_times_wd_and_leaves_biases()
    {
        // With a zero gradient, AdamW's update is the decay alone: w ← w·(1 − lr·wd).
        using var model = torch.nn.Linear(4, 3);
        var weight = model.weight!.detach().clone();
        var bias = model.bias!.detach().clone();
        var config = new TrainConfig { LearningRate = 0.1, WeightDecay = 0.5 };
        var (decay, noDecay) = Trainer.DecayGroups(model, config);
        using var optimizer = torch.optim.AdamW([
            new TorchSharp.Modules.AdamW.ParamGroup(decay, 0.1, weight_decay: 0.5),
            new TorchSharp.Modules.AdamW.ParamGroup(noDecay, 0.1, weight_decay: 0)], 0.1);
        (model.forward(torch.ones(2, 4)).sum() * 0).backward();
        optimizer.step();
        Assert.True(torch.allclose(model.weight!, weight * (1 - 0.1 * 0.5), rtol: 1e-6, atol: 1e-7));
        Assert.True(model.bias!.allclose(bias, rtol: 0, atol: 0));
    }
}
