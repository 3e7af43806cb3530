using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

/// <summary>One batch, ready for the model: images after the transforms, labels int64; both on the loader's device. Dispose it after the step.</summary>
public sealed class Batch(Tensor images, Tensor labels, int index) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;

    /// <summary>Position of this batch in its epoch (0-based).</summary>
    public int Index { get; } = index;

    public int Count => (int)Labels.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Cuts an <see cref="ImageSet"/> into batches without per-sample work: one index_select of the
/// uint8 images per batch, then the transforms on the whole batch. With <c>shuffle</c>, the order
/// of epoch e is a permutation drawn from (seed, e), and the random transforms of batch i draw from
/// a generator seeded by (seed, e, i): any batch of any epoch is reproducible on its own, so a run
/// resumed at epoch e sees exactly what the uninterrupted run saw. With <c>prefetch</c>, the next
/// batch is prepared on a worker thread while the caller trains on the current one.
/// </summary>
public sealed class BatchLoader
{
    readonly ImageSet set;
    readonly IReadOnlyList<IBatchTransform> transforms;

    public BatchLoader(ImageSet set, int batchSize, IReadOnlyList<IBatchTransform> transforms, bool shuffle, long seed,
                       Device? device = null, bool prefetch = true, bool dropLast = false)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        this.set = set;
        this.transforms = transforms;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Device = device ?? CPU;
        Prefetch = prefetch;
        DropLast = dropLast;
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public long Seed { get; }
    public Device Device { get; }
    public bool Prefetch { get; }
    public bool DropLast { get; }
    public int Count => set.Count;

    public int BatchesPerEpoch => (int)(DropLast ? set.Count / BatchSize : ((long)set.Count + BatchSize - 1) / BatchSize);   // long: Count + BatchSize overflows an int

    /// <summary>The image order of <paramref name="epoch"/> (identity without shuffle).</summary>
    public long[] Order(int epoch) =>
        Shuffle ? Seeds.Permutation(set.Count, Seeds.Mix(Seed, 0x5F, epoch)).Select(i => (long)i).ToArray()
                : Enumerable.Range(0, set.Count).Select(i => (long)i).ToArray();

    /// <summary>The batches of one epoch, in order. Each batch must be disposed by the caller.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        var order = Order(epoch);
        int n = BatchesPerEpoch;
        using var orderTensor = torch.tensor(order, ScalarType.Int64).DetachFromDisposeScope();
        if (!Prefetch)
        {
            for (int i = 0; i < n; i++) yield return Make(orderTensor, epoch, i);
            yield break;
        }
        Task<Batch>? next = Task.Run(() => Make(orderTensor, epoch, 0));
        try
        {
            for (int i = 0; i < n; i++)
            {
                var current = next!.GetAwaiter().GetResult();
                int following = i + 1;   // a copy: the lambda must not see the loop variable move on
                next = following < n ? Task.Run(() => Make(orderTensor, epoch, following)) : null;
                yield return current;
            }
        }
        finally
        {
            // The caller stopped early (break, exception, NaN): dispose the batch prepared in advance.
            if (next is not null)
            {
                try { next.GetAwaiter().GetResult().Dispose(); } catch (Exception) { /* the caller's error matters, not this one */ }
            }
        }
    }

    /// <summary>Batch <paramref name="index"/> of <paramref name="epoch"/>, on its own (what Epoch yields at that position).</summary>
    public Batch Get(int epoch, int index)
    {
        using var orderTensor = torch.tensor(Order(epoch), ScalarType.Int64);
        return Make(orderTensor, epoch, index);
    }

    Batch Make(Tensor order, int epoch, int index)
    {
        using var scope = torch.NewDisposeScope();
        long start = (long)index * BatchSize;
        long size = Math.Min(BatchSize, set.Count - start);
        var rows = order.narrow(0, start, size);
        var images = set.Images.index_select(0, rows);
        var labels = set.Labels.index_select(0, rows);
        if (Device.type != DeviceType.CPU)
        {
            images = images.to(Device);
            labels = labels.to(Device);
        }
        using var generator = new Generator((ulong)Seeds.Mix(Seed, 0xA6, epoch, index), CPU);
        foreach (var transform in transforms) images = transform.Apply(images, generator);
        return new Batch(images.DetachFromDisposeScope(), labels.DetachFromDisposeScope(), index);
    }
}
