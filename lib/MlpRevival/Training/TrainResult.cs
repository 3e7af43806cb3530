using Microsoft.Data.Analysis;

namespace MlpRevival.Training;

public enum TrainStatus
{
    /// <summary>All epochs (or MaxSteps) done.</summary>
    Completed,
    /// <summary>The loss became NaN or infinite; the run stopped there.</summary>
    Diverged,
    /// <summary>Stopped by its cancellation token; the last epoch's checkpoint (if any) resumes it.</summary>
    Cancelled,
}

/// <summary>What a run produced: its status and message, per-epoch metrics, per-step losses and the final test evaluation.</summary>
public sealed record TrainResult(
    string Name, TrainStatus Status, string Message, TrainConfig Config,
    IReadOnlyList<EpochMetrics> Epochs, IReadOnlyList<float> StepLosses, EvalResult? Test,
    long Steps, double Seconds, long Parameters, string Device)
{
    public bool Completed => Status == TrainStatus.Completed;

    /// <summary>Training images per second over the whole run (evaluation excluded).</summary>
    public double ImagesPerSecond
    {
        get
        {
            double seconds = Epochs.Sum(e => e.TrainImages / Math.Max(e.ImagesPerSecond, 1e-12));
            return seconds > 0 ? Epochs.Sum(e => e.TrainImages) / seconds : double.NaN;
        }
    }

    /// <summary>One row per epoch: epoch, steps, lr, train_loss, train_top1…5, test_loss, test_top1…5, img_per_s, seconds.</summary>
    public DataFrame History => HistoryFrame(Epochs);

    /// <summary>Throws <see cref="TrainingFailedException"/> (carrying this result) unless the run completed.</summary>
    public TrainResult EnsureCompleted() => Completed ? this : throw new TrainingFailedException(this);

    public static DataFrame HistoryFrame(IReadOnlyList<EpochMetrics> epochs)
    {
        var columns = new List<DataFrameColumn>
        {
            new Int32DataFrameColumn("epoch", epochs.Select(e => e.Epoch)),
            new Int64DataFrameColumn("steps", epochs.Select(e => e.Steps)),
            new DoubleDataFrameColumn("lr", epochs.Select(e => e.LearningRate)),
            new DoubleDataFrameColumn("train_loss", epochs.Select(e => e.TrainLoss)),
        };
        for (int k = 0; k < 5; k++)
        {
            int j = k;
            columns.Add(new DoubleDataFrameColumn($"train_top{k + 1}", epochs.Select(e => e.TrainTopK[j])));
        }
        columns.Add(new DoubleDataFrameColumn("test_loss", epochs.Select(e => e.TestLoss)));
        for (int k = 0; k < 5; k++)
        {
            int j = k;
            columns.Add(new DoubleDataFrameColumn($"test_top{k + 1}", epochs.Select(e => e.TestTopK?[j])));
        }
        columns.Add(new DoubleDataFrameColumn("img_per_s", epochs.Select(e => e.ImagesPerSecond)));
        columns.Add(new DoubleDataFrameColumn("seconds", epochs.Select(e => e.Seconds)));
        return new DataFrame(columns);
    }

    public override string ToString() => $"{Name}: {Message}";
}

/// <summary>A run that did not complete; <see cref="Result"/> keeps its history.</summary>
public sealed class TrainingFailedException(TrainResult result) : Exception(result.Message)
{
    public TrainResult Result { get; } = result;
}
