namespace MlpRevival.Training;

/// <summary>The learning rate of every optimizer step: linear warmup, then cosine decay (or constant).</summary>
public sealed record LearningRateSchedule(ScheduleKind Kind, double BaseRate, double MinRate, long WarmupSteps, long TotalSteps)
{
    public static LearningRateSchedule For(TrainConfig config, int stepsPerEpoch)
    {
        long total = (long)config.Epochs * stepsPerEpoch;
        if (config.MaxSteps is { } max) total = Math.Min(total, max);
        long warmup = Math.Min((long)Math.Round(config.WarmupEpochs * stepsPerEpoch), total);
        return new(config.Schedule, config.LearningRate, config.MinLearningRate, warmup, total);
    }

    /// <summary>The rate for step <paramref name="step"/> (0-based): warmup reaches the base rate at its last step.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        if (Kind == ScheduleKind.Constant) return BaseRate;
        long decaySteps = Math.Max(TotalSteps - WarmupSteps, 1);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return MinRate + (BaseRate - MinRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
