namespace MlpRevival.Training;

/// <summary>What the trainer tells a progress display when a run starts.</summary>
public sealed record RunStart(TrainConfig Config, string Device, long Parameters, int StepsPerEpoch, long TotalSteps, int FirstEpoch, long FirstStep, int TrainImages, int? TestImages)
{
    /// <summary>A resumed run's settings that differ from its checkpoint's ("learning rate 0.001 (now 0.01)"), allowed by <see cref="TrainConfig.ResumeAnyway"/>.</summary>
    public IReadOnlyList<string> ResumedDespite { get; init; } = [];
}

/// <summary>After each optimizer step: running metrics of the current epoch.</summary>
public sealed record StepReport(int Epoch, int StepInEpoch, int StepsPerEpoch, long Step, long TotalSteps, double LearningRate,
    float Loss, double RunningLoss, double RunningTop1, double ImagesPerSecond, double ElapsedSeconds);

/// <summary>
/// Where a run reports to. The trainer calls <see cref="Step"/> after every step; implementations
/// decide how often to redraw. Implementations: <see cref="NotebookProgress"/> (one output updated
/// in place), <see cref="ConsoleProgress"/> (plain lines), <see cref="SilentProgress"/>; the
/// `course train` command adds a Spectre.Console progress bar.
/// </summary>
public interface ITrainingProgress
{
    void Start(RunStart start);
    void Step(StepReport step);
    /// <summary>The test evaluation of an epoch begins (it can take a while).</summary>
    void Evaluating(int epoch);
    void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history);
    void End(TrainResult result);
}

public static class TrainingProgress
{
    /// <summary>One live output in a notebook, plain lines elsewhere.</summary>
    public static ITrainingProgress Auto() => Display.LiveDisplay.InNotebook ? new NotebookProgress() : new ConsoleProgress();
}

public sealed class SilentProgress : ITrainingProgress
{
    public static readonly SilentProgress Instance = new();
    public void Start(RunStart start) { }
    public void Step(StepReport step) { }
    public void Evaluating(int epoch) { }
    public void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history) { }
    public void End(TrainResult result) { }
}

/// <summary>Plain text, no escape codes: a line per epoch and one at the end (and a step line every ~15 s in long epochs).</summary>
public sealed class ConsoleProgress(TextWriter? writer = null, double stepLineSeconds = 15, bool reportEnd = true) : ITrainingProgress
{
    readonly TextWriter output = writer ?? Console.Out;
    double lastLine;

    public void Start(RunStart s)
    {
        output.WriteLine($"{s.Config.Name}: {s.Parameters:N0} parameters on {s.Device}, {s.TrainImages:N0} training images, " +
                         $"{s.Config.Epochs} epoch{(s.Config.Epochs == 1 ? "" : "s")} × {s.StepsPerEpoch} steps of {s.Config.BatchSize}" +
                         (s.FirstEpoch > 0 ? $", resuming at epoch {s.FirstEpoch + 1}" : ""));
        if (s.ResumedDespite.Count > 0) output.WriteLine($"  resumed despite other settings than the checkpoint's: {string.Join(", ", s.ResumedDespite)}");
    }

    public void Step(StepReport s)
    {
        if (s.ElapsedSeconds - lastLine < stepLineSeconds) return;
        lastLine = s.ElapsedSeconds;
        output.WriteLine($"  epoch {s.Epoch + 1} step {s.StepInEpoch}/{s.StepsPerEpoch}: loss {s.RunningLoss:F4}, top-1 {s.RunningTop1:P1}, {s.ImagesPerSecond:N0} img/s");
    }

    public void Evaluating(int epoch) { }

    public void EpochEnd(EpochMetrics m, IReadOnlyList<EpochMetrics> history) =>
        output.WriteLine($"  epoch {m.Epoch}: train loss {m.TrainLoss:F4}, top-1 {m.TrainTop1:P1}" +
                         (m.TestTopK is { } t ? $" | test loss {m.TestLoss:F4}, top-1 {t[0]:P1}, top-5 {t[4]:P1}" : "") +
                         $" | {m.ImagesPerSecond:N0} img/s, {m.Seconds:F1} s");

    public void End(TrainResult r)
    {
        if (reportEnd) output.WriteLine($"{r.Name}: {r.Message}");
    }
}
