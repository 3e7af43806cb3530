using Microsoft.Data.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Training;

/// <summary>One epoch of a run: running training metrics, and the test metrics after it (null when not evaluated).</summary>
public sealed record EpochMetrics(
    int Epoch, long Steps, double LearningRate,
    double TrainLoss, IReadOnlyList<double> TrainTopK,
    double? TestLoss, IReadOnlyList<double>? TestTopK,
    double ImagesPerSecond, double Seconds, long TrainImages)
{
    public double TrainTop1 => TrainTopK[0];
    public double? TestTop1 => TestTopK?[0];
    public double? TestTop5 => TestTopK?[4];
}

/// <summary>
/// The model on a labelled set: mean cross-entropy, top-1…top-5 accuracy (the seed's definition: the
/// true class is among the k highest logits), the confusion matrix (rows = true class, columns =
/// predicted) and per-class accuracy.
/// </summary>
public sealed record EvalResult(double Loss, IReadOnlyList<double> TopK, long[,] Confusion, IReadOnlyList<string> ClassNames, long Count)
{
    public double Top1 => TopK[0];
    public double Top5 => TopK[4];

    /// <summary>Recall of each class: correct predictions of it over its images (NaN for a class with none).</summary>
    public IReadOnlyList<double> PerClassAccuracy
    {
        get
        {
            int n = Confusion.GetLength(0);
            var result = new double[n];
            for (int c = 0; c < n; c++)
            {
                long row = 0;
                for (int p = 0; p < n; p++) row += Confusion[c, p];
                result[c] = row == 0 ? double.NaN : (double)Confusion[c, c] / row;
            }
            return result;
        }
    }

    /// <summary>top-1 … top-5 as a table.</summary>
    public DataFrame TopKTable() => new(
        new StringDataFrameColumn("metric", TopK.Select((_, i) => $"top-{i + 1}")),
        new DoubleDataFrameColumn("accuracy", TopK));

    public DataFrame PerClassTable()
    {
        var counts = Enumerable.Range(0, ClassNames.Count).Select(c => Enumerable.Range(0, ClassNames.Count).Sum(p => Confusion[c, p]));
        return new(
            new StringDataFrameColumn("class", ClassNames),
            new Int64DataFrameColumn("images", counts),
            new DoubleDataFrameColumn("accuracy", PerClassAccuracy));
    }

    public override string ToString() =>
        $"loss {Loss:F4}, " + string.Join(", ", TopK.Select((a, i) => $"top-{i + 1} {a:P1}")) + $" on {Count:N0} images";
}

/// <summary>Top-k accuracy from logits: the share of rows whose true class is among the k highest logits.</summary>
public static class Accuracy
{
    /// <summary>
    /// Top-1 … top-<paramref name="maxK"/> accuracy of <paramref name="logits"/> [B, classes] against
    /// <paramref name="labels"/> [B] (int64): entry k−1 is the share of rows whose label is among the
    /// k highest logits (ties broken as <c>topk</c> breaks them). For k ≥ classes every row is a hit.
    /// The trainer's and evaluator's metric.
    /// </summary>
    public static double[] TopK(Tensor logits, Tensor labels, int maxK = 5)
    {
        long b = labels.shape[0];
        return Hits(logits, labels, maxK).Select(h => b == 0 ? double.NaN : (double)h / b).ToArray();
    }

    /// <summary>How many rows have their label within the top 1, top 2, … top <paramref name="maxK"/> logits.</summary>
    internal static long[] Hits(Tensor logits, Tensor labels, int maxK)
    {
        if (maxK < 1) throw new ArgumentOutOfRangeException(nameof(maxK), maxK, "k must be at least 1.");
        using var scope = torch.NewDisposeScope();
        long b = labels.shape[0];
        int k = (int)Math.Min(maxK, logits.shape[1]);
        var top = logits.topk(k, dim: 1).indexes;                               // [B, k]
        var within = top.eq(labels.unsqueeze(1)).to(ScalarType.Int64).cumsum(1).sum([0L]);   // (.sum(0) would bind to sum(ScalarType)!)   // [k]: hits within top-1 … top-k
        var counts = within.cpu().data<long>().ToArray();
        return Enumerable.Range(0, maxK).Select(j => j < k ? counts[j] : b).ToArray();    // k ≥ classes: always a hit
    }
}

/// <summary>Sums loss and top-k hits over batches; one small tensor per batch, no per-sample work.</summary>
internal sealed class MetricSums(int classes)
{
    public const int K = 5;
    readonly long[] hits = new long[K];
    public double LossSum { get; private set; }
    public long Count { get; private set; }
    public long[,]? Confusion { get; private set; }

    public void Add(Tensor logits, Tensor labels, double meanLoss, bool confusion = false)
    {
        using var scope = torch.NewDisposeScope();
        long b = labels.shape[0];
        var counts = Accuracy.Hits(logits, labels, K);
        for (int j = 0; j < K; j++) hits[j] += counts[j];
        LossSum += meanLoss * b;
        Count += b;
        if (confusion)
        {
            Confusion ??= new long[classes, classes];
            var predicted = logits.topk((int)Math.Min(K, logits.shape[1]), dim: 1).indexes.select(1, 0);   // the top-1 the hits counted
            var pairs = torch.bincount(labels * classes + predicted, minlength: classes * classes).cpu().data<long>().ToArray();
            for (int i = 0; i < pairs.Length && i < classes * classes; i++) Confusion[i / classes, i % classes] += pairs[i];
        }
    }

    public double MeanLoss => Count == 0 ? double.NaN : LossSum / Count;

    public double[] TopK => hits.Select(h => Count == 0 ? double.NaN : (double)h / Count).ToArray();
}
