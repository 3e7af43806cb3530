using System.Diagnostics;
using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Training;

/// <summary>What the data pipeline costs next to a training step.</summary>
/// <param name="DataMs">Preparing one batch on its own (index_select + transforms + move to the device), synchronously.</param>
/// <param name="StepMs">One optimizer step on a ready batch: forward, loss, backward, update.</param>
/// <param name="WaitMs">With prefetch, how long a step waits for its batch (the cost training actually sees).</param>
public sealed record PipelineTiming(string Model, int BatchSize, int Batches, string Pipeline, double DataMs, double StepMs, double WaitMs)
{
    /// <summary>Data time over step time, preparing batches synchronously.</summary>
    public double DataShare => DataMs / (DataMs + StepMs);

    /// <summary>Waiting time over step time, with prefetch.</summary>
    public double WaitShare => WaitMs / (WaitMs + StepMs);

    public override string ToString() =>
        $"{Model}, batch {BatchSize}, {Pipeline}: data {DataMs:F2} ms/batch vs step {StepMs:F1} ms → {DataShare:P1} of a step synchronously, " +
        $"{WaitShare:P1} waited with prefetch ({Batches} batches)";
}

/// <summary>Measures the data pipeline against the training step it feeds (for benchmarks and reports; nothing here asserts a timing).</summary>
public static class PipelineProfiler
{
    public static PipelineTiming Measure(nn.Module<Tensor, Tensor> model, ImageSet train, DataPipeline pipeline, int batchSize = 128,
                                         int batches = 20, Device? device = null, string? modelName = null)
    {
        device ??= Devices.Default;
        model.to(device);
        model.train();
        var loader = new BatchLoader(train, batchSize, pipeline.TrainTransforms, shuffle: true, seed: 1, device, prefetch: false);
        int n = Math.Min(batches, loader.BatchesPerEpoch);
        using var optimizer = optim.AdamW(model.parameters(), 1e-4, weight_decay: 0.05);

        void Step(Batch batch)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(batch.Images), batch.Labels);
            loss.backward();
            optimizer.step();
            loss.item<float>();   // wait for the step to finish (as the trainer does)
        }

        using (var warm = loader.Get(0, 0)) Step(warm);   // first-call costs are not the steady state

        var order = loader.Epoch(1).GetEnumerator();
        order.MoveNext();                         // the epoch's permutation is drawn once per epoch, not per batch
        var ready = new List<Batch> { order.Current };
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= n && order.MoveNext(); i++) ready.Add(order.Current);
        double data = clock.Elapsed.TotalMilliseconds / Math.Max(ready.Count - 1, 1);
        order.Dispose();
        ready[0].Dispose();
        ready.RemoveAt(0);
        n = ready.Count;

        clock.Restart();
        foreach (var b in ready) Step(b);
        double step = clock.Elapsed.TotalMilliseconds / n;
        foreach (var b in ready) b.Dispose();

        var prefetching = new BatchLoader(train, batchSize, pipeline.TrainTransforms, shuffle: true, seed: 1, device, prefetch: true);
        double waited = 0;
        int seen = 0;
        using (var e = prefetching.Epoch(2).GetEnumerator())
        {
            while (seen < n)
            {
                clock.Restart();
                if (!e.MoveNext()) break;
                waited += clock.Elapsed.TotalMilliseconds;
                using var batch = e.Current;
                Step(batch);
                seen++;
            }
        }
        return new PipelineTiming(modelName ?? model.GetName(), batchSize, n, pipeline.ToString(), data, step, waited / Math.Max(seen, 1));
    }
}
