using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Data;

/// <summary>Batching: every image once per epoch, reproducible orders and augmentations, prefetch invisible.</summary>
public class BatchLoaderTests
{
    /// <summary>Image i carries its own index in its first two pixels, so batches can be traced back.</summary>
    static ImageSet Numbered(int n)
    {
        var images = torch.zeros([n, 3, 8, 8], ScalarType.Byte);
        var ids = torch.arange(n, ScalarType.Int64);
        images[.., 0, 0, 0] = ids.remainder(256).to(ScalarType.Byte);
        images[.., 0, 0, 1] = ids.div(256, rounding_mode: RoundingMode.floor).to(ScalarType.Byte);
        return new ImageSet(images, ids.remainder(10), Cifar10.DefaultClassNames, "numbered");
    }

    static long[] Ids(Batch b)
    {
        using var low = b.Images[.., 0, 0, 0].to(ScalarType.Int64);
        using var high = b.Images[.., 0, 0, 1].to(ScalarType.Int64);
        using var ids = low + high * 256;
        return ids.data<long>().ToArray();
    }

    [Fact]
    public void An_epoch_yields_every_image_once_in_a_seeded_order()
    {
        using var set = Numbered(1000);
        var loader = new BatchLoader(set, 96, [], shuffle: true, seed: 3);
        Assert.Equal(11, loader.BatchesPerEpoch);
        List<long> Epoch(int e) => loader.Epoch(e).SelectMany(b => { using (b) return Ids(b); }).ToList();
        var e0 = Epoch(0);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), e0.Order());
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => (long)i), e0);
        Assert.Equal(e0, Epoch(0));
        Assert.NotEqual(e0, Epoch(1));
        var sizes = loader.Epoch(0).Select(b => { using (b) return b.Count; }).ToList();
        Assert.Equal(Enumerable.Repeat(96, 10).Append(40), sizes);
        var noShuffle = new BatchLoader(set, 96, [], shuffle: false, seed: 3);
        Assert.Equal(Enumerable.Range(0, 96).Select(i => (long)i), Ids(noShuffle.Epoch(5).First()));
    }

    [Fact]
    public void Labels_travel_with_their_images()
    {
        using var set = Numbered(300);
        var loader = new BatchLoader(set, 64, [], shuffle: true, seed: 1);
        foreach (var batch in loader.Epoch(2))
            using (batch)
                Assert.Equal(Ids(batch).Select(i => i % 10), batch.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Augmented_batches_are_reproducible_with_or_without_prefetch_and_one_by_one()
    {
        using var set = Numbered(200);
        IBatchTransform[] transforms = [new RandomCrop(2), new RandomHorizontalFlip(), new ToUnitFloat()];
        var prefetching = new BatchLoader(set, 32, transforms, shuffle: true, seed: 9, prefetch: true);
        var plain = new BatchLoader(set, 32, transforms, shuffle: true, seed: 9, prefetch: false);
        var a = prefetching.Epoch(4).ToList();
        var b = plain.Epoch(4).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(ScalarType.Float32, a[i].Images.dtype);
            Assert.True(a[i].Images.equal(b[i].Images).all().item<bool>(), $"batch {i}");
        }
        using var single = plain.Get(4, 3);
        Assert.True(single.Images.equal(a[3].Images).all().item<bool>());
        using var otherEpoch = plain.Get(5, 3);
        Assert.False(otherEpoch.Images.equal(a[3].Images).all().item<bool>());
        foreach (var x in a.Concat(b)) x.Dispose();
    }

    [Fact]
    public void Stopping_an_epoch_early_releases_the_prefetched_batch()
    {
        using var set = Numbered(500);
        var loader = new BatchLoader(set, 50, [new ToUnitFloat()], shuffle: true, seed: 1, prefetch: true);
        using (var first = loader.Epoch(0).First()) Assert.Equal(50, first.Count);
        // If the batch prepared in advance leaked, it would stay alive: count live tensors around many early stops.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
            using (var b = loader.Epoch(i).First()) { }
        Thread.Sleep(50);
        long after = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 2, $"{after - before} tensors more alive after 20 early stops");
    }

    [Fact]
    public void A_batch_larger_than_the_set_is_the_whole_set_up_to_the_largest_batch_size()
    {
        using var set = Numbered(30);
        foreach (var size in new[] { 31, 1 << 20, int.MaxValue - 10, int.MaxValue })
        {
            var loader = new BatchLoader(set, size, [], shuffle: true, seed: 2, prefetch: false);
            Assert.Equal(1, loader.BatchesPerEpoch);
            var batches = loader.Epoch(0).ToList();
            Assert.Equal(30, Assert.Single(batches).Count);
            batches[0].Dispose();
        }
    }
}
