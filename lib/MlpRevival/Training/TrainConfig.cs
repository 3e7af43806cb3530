using System.Globalization;

namespace MlpRevival.Training;

public enum OptimizerKind { AdamW, Sgd }

public enum ScheduleKind
{
    /// <summary>Linear warmup, then cosine decay to <see cref="TrainConfig.MinLearningRate"/> over the remaining steps.</summary>
    Cosine,
    /// <summary>Linear warmup, then the base learning rate throughout (the seed gMLP's setup).</summary>
    Constant,
}

/// <summary>
/// Everything that decides a training run. Defaults: AdamW (lr 1e-3, weight decay 0.05 — passed to
/// TorchSharp explicitly, whose AdamW defaults to 0), batch 128, cosine schedule without warmup, no
/// label smoothing or clipping, seed 0.
/// </summary>
public sealed record TrainConfig
{
    /// <summary>The run's name in progress displays, histories and charts.</summary>
    public string Name { get; init; } = "run";

    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decoupled weight decay for AdamW, L2 penalty for SGD. Always passed explicitly.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>
    /// False (the default, timm's recipe): weight decay applies to weight matrices and kernels only —
    /// not to biases, norm scales, gMLP's gate bias b = 1 or any other 1-D parameter, nor to
    /// position embeddings and the CLS token (timm's <c>param_groups_weight_decay</c> with the
    /// models' <c>no_weight_decay</c> names). True: to every parameter, as a bare
    /// <c>torch.optim.AdamW(model.parameters())</c> does — the seed article's code.
    /// </summary>
    public bool DecayAllParameters { get; init; }

    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>SGD only.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>SGD only: Nesterov momentum.</summary>
    public bool Nesterov { get; init; } = true;

    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Warmup length in epochs (fractions allowed); the learning rate rises linearly over it.</summary>
    public double WarmupEpochs { get; init; }

    public double MinLearningRate { get; init; }

    /// <summary>Cross-entropy label smoothing ε: targets become (1 − ε)·one-hot + ε/classes.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Clip the gradients' global L2 norm to this value; null = no clipping.</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Seeds the batch order, the augmentations and dropout (the model's initial weights are the caller's).</summary>
    public long Seed { get; init; }

    /// <summary>auto, cpu, cuda, cuda:N; null = <see cref="Devices.Default"/> (MLP_REVIVAL_DEVICE or auto).</summary>
    public string? Device { get; init; }

    /// <summary>Evaluate on the test set after every epoch (otherwise only after the last).</summary>
    public bool EvaluateEveryEpoch { get; init; } = true;

    public int EvalBatchSize { get; init; } = 500;

    /// <summary>Stop after this many optimizer steps in all (quick runs); the schedule is planned for the shorter run.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Write a checkpoint here after every epoch (atomically: temp file + rename; with a SHA-256, see <see cref="Checkpoint"/>). Checked writable before training starts.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Continue from <see cref="CheckpointPath"/> if it exists. The checkpoint must be intact (length
    /// and SHA-256 checked first) and its run the same: model size and optimizer always; batch size,
    /// seed, data size, learning rate and schedule, weight decay, clipping, label smoothing, name and
    /// data pipeline unless <see cref="ResumeAnyway"/>. Epochs may be raised to extend a run; the
    /// schedule is then planned for the new length (so only a resume with unchanged settings repeats
    /// the uninterrupted run exactly).
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: go on even where the settings differ from the checkpoint's (say a
    /// lower learning rate for the remaining epochs). The differences are reported in
    /// <see cref="RunStart.ResumedDespite"/>. A model of another size or another optimizer is still refused.
    /// </summary>
    public bool ResumeAnyway { get; init; }

    /// <summary>Prepare the next batch on a worker thread while the current one trains.</summary>
    public bool Prefetch { get; init; } = true;

    /// <summary>
    /// The largest value the optimizer's scalars may take, two digits of float.MaxValue (3.4E+38):
    /// TorchSharp hands the learning rate, weight decay and clipping norm to libtorch as 32-bit floats
    /// and fails with an overflow beyond it.
    /// </summary>
    public const double MaxFloat = 3.4e38;

    /// <summary>
    /// The largest learning rate the optimizer can take without overflowing a 32-bit float: AdamW's
    /// first step is lr / (1 − β1) (10·lr with the default β1), so 3.4E+37; SGD's step is lr itself, so
    /// 3.4E+38. (Any rate near these diverges at once; the divergence is then caught and reported.)
    /// </summary>
    public double MaxLearningRate => Optimizer == OptimizerKind.AdamW ? TwoDigitsDown(float.MaxValue * (1 - Beta1)) : MaxFloat;

    /// <summary><paramref name="x"/> rounded down to two significant digits, as the decimal a user would type.</summary>
    static double TwoDigitsDown(double x)
    {
        if (!(x > 0) || !double.IsFinite(x)) return 0;
        int exponent = (int)Math.Floor(Math.Log10(x)) - 1;
        double digits = Math.Floor(x / Math.Pow(10, exponent));
        return double.Parse(string.Create(CultureInfo.InvariantCulture, $"{digits}E{exponent}"), CultureInfo.InvariantCulture);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        static void Require(bool ok, FormattableString message)
        {
            if (!ok) throw new ArgumentException(FormattableString.Invariant(message));
        }
        Require(Epochs >= 1, $"Epochs must be at least 1 (got {Epochs}).");
        Require(BatchSize >= 1, $"BatchSize must be at least 1 (got {BatchSize}).");
        Require(Beta1 >= 0 && Beta1 < 1 && Beta2 >= 0 && Beta2 < 1, $"Beta1 and Beta2 must be in [0, 1) (got {Beta1}, {Beta2}).");
        Require(LearningRate > 0 && LearningRate <= MaxLearningRate,
                $"LearningRate must be above 0 and at most {MaxLearningRate:G2} ({Optimizer}'s step must fit a 32-bit float) (got {LearningRate}).");
        Require(WeightDecay >= 0 && WeightDecay <= MaxFloat, $"WeightDecay must be between 0 and {MaxFloat:G2} (a 32-bit float) (got {WeightDecay}).");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, $"MinLearningRate must be between 0 and LearningRate (got {MinLearningRate}).");
        Require(WarmupEpochs >= 0 && WarmupEpochs <= Epochs, $"WarmupEpochs must be between 0 and Epochs (got {WarmupEpochs}).");
        Require(LabelSmoothing >= 0 && LabelSmoothing < 1, $"LabelSmoothing must be in [0, 1) (got {LabelSmoothing}).");
        Require(ClipGradNorm is null or > 0 and <= MaxFloat, $"ClipGradNorm must be above 0 and at most {MaxFloat:G2} (a 32-bit float), or null (got {ClipGradNorm}).");
        Require(Momentum >= 0 && Momentum < 1, $"Momentum must be in [0, 1) (got {Momentum}).");
        Require(!(Optimizer == OptimizerKind.Sgd && Nesterov && Momentum == 0), $"SGD with Nesterov needs Momentum > 0.");
        Require(EvalBatchSize >= 1, $"EvalBatchSize must be at least 1 (got {EvalBatchSize}).");
        Require(MaxSteps is null or >= 1, $"MaxSteps must be at least 1 or null (got {MaxSteps}).");
        Require(!Resume || CheckpointPath is not null, $"Resume needs a CheckpointPath.");
    }
}
