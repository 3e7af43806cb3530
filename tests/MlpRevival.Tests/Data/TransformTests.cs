using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Data;

/// <summary>Batch transforms against naive per-pixel references, and the normalisation statistics against a plain loop over the bytes.</summary>
public class TransformTests
{
    static Tensor RandomBytes(long b, long c, long h, long w, int seed)
    {
        var bytes = new byte[b * c * h * w];
        new Random(seed).NextBytes(bytes);
        return torch.tensor(bytes, [b, c, h, w], ScalarType.Byte);
    }

    [Fact]
    public void Random_crop_matches_a_naive_per_pixel_crop_for_given_offsets()
    {
        const int p = 3;
        using var x = RandomBytes(6, 3, 8, 10, seed: 1);              // H ≠ W catches swapped axes
        long[] dy = [0, 6, 3, 1, 5, 2], dx = [6, 0, 3, 4, 2, 6];       // the extremes 0 and 2p included
        using var dyT = torch.tensor(dy);
        using var dxT = torch.tensor(dx);
        using var got = new RandomCrop(p).Crop(x, dyT, dxT);
        var input = x.data<byte>().ToArray();
        var output = got.data<byte>().ToArray();
        Assert.Equal([6, 3, 8, 10], got.shape);
        for (int b = 0; b < 6; b++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 8; y++)
                    for (int xx = 0; xx < 10; xx++)
                    {
                        long sy = y + dy[b] - p, sx = xx + dx[b] - p;
                        byte expected = sy is >= 0 and < 8 && sx is >= 0 and < 10 ? input[((b * 3 + c) * 8 + sy) * 10 + sx] : (byte)0;
                        Assert.Equal(expected, output[((b * 3 + c) * 8 + y) * 10 + xx]);
                    }
    }

    [Fact]
    public void Random_crop_draws_its_own_offsets_per_image_from_the_generator()
    {
        using var x = RandomBytes(64, 3, 32, 32, seed: 2);
        var crop = new RandomCrop(4);
        using var g1 = new Generator(7, CPU);
        using var a = crop.Apply(x, g1);
        using var g2 = new Generator(7, CPU);
        var (dy, dx) = crop.DrawOffsets(64, g2);
        using var b = crop.Crop(x, dy, dx);
        Assert.True(a.equal(b).all().item<bool>(), "Apply = Crop with the offsets drawn from the same generator");
        Assert.InRange(dy.min().item<long>(), 0, 8);
        Assert.InRange(dy.max().item<long>(), 0, 8);
        Assert.True(dy.unique().output.shape[0] > 3 && dx.unique().output.shape[0] > 3, "offsets differ from image to image");
        using var g3 = new Generator(8, CPU);
        using var c = crop.Apply(x, g3);
        Assert.False(a.equal(c).all().item<bool>());
    }

    [Fact]
    public void Horizontal_flip_matches_a_naive_mirror_and_flips_about_half()
    {
        using var x = RandomBytes(4, 3, 5, 7, seed: 3);
        using var which = torch.tensor(new[] { true, false, false, true });
        using var got = RandomHorizontalFlip.Flip(x, which);
        var input = x.data<byte>().ToArray();
        var output = got.data<byte>().ToArray();
        bool[] flip = [true, false, false, true];
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 5; y++)
                    for (int xx = 0; xx < 7; xx++)
                        Assert.Equal(input[((b * 3 + c) * 5 + y) * 7 + (flip[b] ? 6 - xx : xx)], output[((b * 3 + c) * 5 + y) * 7 + xx]);

        using var g = new Generator(11, CPU);
        using var coins = new RandomHorizontalFlip().DrawCoins(2000, g);
        Assert.InRange(coins.to(ScalarType.Float32).mean().item<float>(), 0.45f, 0.55f);
    }

    [Theory]
    [InlineData(4, true, "patch")]
    [InlineData(4, true, "global")]
    [InlineData(4, true, "none")]
    [InlineData(2, false, "patch")]
    [InlineData(0, true, "global")]
    [InlineData(0, true, "none")]
    public void The_fused_augmentation_equals_crop_then_flip_then_permutation(int padding, bool flip, string permutation)
    {
        using var x = RandomBytes(16, 3, 32, 32, seed: 4);
        using var perm = permutation switch
        {
            "patch" => FixedPermutation.PatchAndPixel(8, 1),
            "global" => FixedPermutation.Global(1),
            _ => null,
        };
        using var g1 = new Generator(21, CPU);
        using var fused = new SpatialAugmentation(padding, flip, perm).Apply(x, g1);

        using var g2 = new Generator(21, CPU);
        var step = x.clone();
        if (padding > 0) { var next = new RandomCrop(padding).Apply(step, g2); step.Dispose(); step = next; }
        if (flip) { var next = new RandomHorizontalFlip().Apply(step, g2); step.Dispose(); step = next; }
        if (perm is not null) { var next = perm.Apply(step); step.Dispose(); step = next; }
        using (step) Assert.True(fused.equal(step).all().item<bool>());

        var pipeline = new DataPipeline(new Normalization([0, 0, 0], [1, 1, 1])) { CropPadding = padding, HorizontalFlip = flip, Permutation = perm };
        Assert.Equal(2, pipeline.TrainTransforms.Count);                  // one fused gather + normalisation
    }

    [Fact]
    public void Normalisation_statistics_equal_a_plain_loop_over_the_sample_bytes()
    {
        var folder = Repo.Path_("datasets", "cifar-10-sample");
        var raw = File.ReadAllBytes(Path.Combine(folder, "data_batch_1.bin"));
        var sum = new double[3];
        var squares = new double[3];
        long records = raw.Length / SyntheticCifar.RecordBytes;
        for (long r = 0; r < records; r++)
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 1024; k++)
                {
                    double v = raw[r * SyntheticCifar.RecordBytes + 1 + c * 1024 + k] / 255.0;
                    sum[c] += v;
                    squares[c] += v * v;
                }
        double n = records * 1024.0;

        using var train = Cifar10.LoadTrain(folder);
        var stats = Normalization.Of(train);
        for (int c = 0; c < 3; c++)
        {
            double mean = sum[c] / n;
            Assert.Equal(mean, stats.Mean[c], 1e-9);
            Assert.Equal(Math.Sqrt(squares[c] / n - mean * mean), stats.Std[c], 1e-9);
        }
        // Real CIFAR-10 photographs: means near torchvision's published (0.49, 0.48, 0.45) for the full set.
        Assert.InRange(stats.Mean[0], 0.45, 0.53);

        using var normalised = stats.Apply(train.Images);
        using var channelMean = normalised.mean([0, 2, 3]);
        using var channelStd = normalised.std([0, 2, 3], unbiased: false);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0.0, channelMean[c].item<float>(), 1e-3);
            Assert.Equal(1.0, channelStd[c].item<float>(), 1e-3);
        }
    }

    [Fact]
    public void Normalising_a_float_batch_leaves_the_input_unchanged()
    {
        var stats = new Normalization([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
        using var x = torch.full([2, 3, 4, 4], 0.75f);
        using var y = stats.Apply(x);
        Assert.Equal(0.75f, x[0, 0, 0, 0].item<float>());
        Assert.Equal(1.0f, y[1, 2, 3, 3].item<float>(), 1e-6f);
        using var bytes = torch.full([1, 3, 1, 1], 255, ScalarType.Byte);
        using var z = stats.Apply(bytes);
        Assert.Equal(2.0f, z[0, 0, 0, 0].item<float>(), 1e-6f);
    }
}
