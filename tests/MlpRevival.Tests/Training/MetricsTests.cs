using MlpRevival.Data;
using MlpRevival.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Training;

/// <summary>Evaluation metrics against a plain computation over known logits.</summary>
public class MetricsTests
{
    /// <summary>Returns a fixed row of logits per image, found by the image's id in its first pixel.</summary>
    sealed class Lookup(float[,] logits) : nn.Module<Tensor, Tensor>("lookup")
    {
        readonly Tensor table = torch.tensor(logits);

        public override Tensor forward(Tensor x)
        {
            using var ids = x[.., 0, 0, 0].mul(255).round().to(ScalarType.Int64);
            return table.index_select(0, ids);
        }
    }

    [Fact]
    public void Accuracy_top_k_counts_the_true_class_among_the_k_highest_logits()
    {
        // ranks of the true class: 0, 1, 2, 0 → top-1 2/4, top-2 3/4, top-3 and beyond 4/4
        using var logits = torch.tensor(new float[,] { { 3, 1, 0 }, { 2, 1, 0 }, { 0, 1, 2 }, { 0, 0, 5 } });
        using var labels = torch.tensor(new long[] { 0, 1, 0, 2 });
        Assert.Equal([0.5, 0.75, 1.0, 1.0, 1.0], Accuracy.TopK(logits, labels));
        Assert.Equal([0.5], Accuracy.TopK(logits, labels, maxK: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Accuracy.TopK(logits, labels, maxK: 0));
    }

    [Fact]
    public void Top_k_confusion_loss_and_per_class_accuracy_match_a_plain_computation()
    {
        const int n = 230, classes = 10;                                    // batches of 64: a partial last batch too
        var random = new Random(3);
        var logits = new float[n, classes];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = random.Next(classes);
            for (int c = 0; c < classes; c++) logits[i, c] = (float)(random.NextDouble() * 4 + (c == labels[i] ? 1.5 : 0));
        }
        var images = torch.zeros([n, 3, 2, 2], ScalarType.Byte);
        images[.., 0, 0, 0] = torch.arange(n).to(ScalarType.Byte);
        using var set = new ImageSet(images, torch.tensor(labels), Cifar10.DefaultClassNames, "lookup");
        var identity = new DataPipeline(new Normalization([0, 0, 0], [1, 1, 1]));

        var eval = Trainer.Evaluate(new Lookup(logits), set, identity, batchSize: 64, device: CPU);

        var hits = new int[5];
        var confusion = new long[classes, classes];
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            var row = Enumerable.Range(0, classes).Select(c => (double)logits[i, c]).ToArray();
            int rank = row.Count(v => v > row[labels[i]]);                   // classes scored above the true one
            for (int k = 0; k < 5; k++) if (rank <= k) hits[k]++;
            int predicted = Array.IndexOf(row, row.Max());
            confusion[labels[i], predicted]++;
            double max = row.Max();
            loss += -(row[labels[i]] - max - Math.Log(row.Sum(v => Math.Exp(v - max))));
        }
        for (int k = 0; k < 5; k++) Assert.Equal((double)hits[k] / n, eval.TopK[k], 12);
        Assert.Equal(loss / n, eval.Loss, 4);
        Assert.Equal(confusion, eval.Confusion);
        for (int c = 0; c < classes; c++)
        {
            long row = Enumerable.Range(0, classes).Sum(p => confusion[c, p]);
            Assert.Equal((double)confusion[c, c] / row, eval.PerClassAccuracy[c], 12);
        }
        Assert.Equal(n, eval.Count);
        Assert.True(eval.TopK[0] < eval.TopK[4]);
        Assert.Equal(10, eval.PerClassTable().Rows.Count);
    }
}
