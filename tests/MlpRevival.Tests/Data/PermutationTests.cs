using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Data;

/// <summary>The shuffling experiment's permutations: bijections, fixed, and structured as the Mixer paper describes.</summary>
public class PermutationTests
{
    static Tensor RandomImages(long b, int seed, long h = 32, long w = 32)
    {
        var bytes = new byte[b * 3 * h * w];
        new Random(seed).NextBytes(bytes);
        return torch.tensor(bytes, [b, 3, h, w], ScalarType.Byte);
    }

    public static TheoryData<string> Kinds => ["patch4", "patch8", "patch16", "global"];

    static FixedPermutation Make(string kind, long seed) => kind switch
    {
        "global" => FixedPermutation.Global(seed),
        _ => FixedPermutation.PatchAndPixel(int.Parse(kind[5..]), seed),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Is_a_bijection_of_the_pixel_positions_and_undone_by_its_inverse(string kind)
    {
        using var perm = Make(kind, 5);
        Assert.Equal(Enumerable.Range(0, 1024).Select(i => (long)i), perm.Positions.Order());
        Assert.NotEqual(Enumerable.Range(0, 1024).Select(i => (long)i), perm.Positions);
        using var x = RandomImages(3, 1);
        using var inverse = perm.Inverse();
        using var y = perm.Apply(x);
        using var back = inverse.Apply(y);
        Assert.True(back.equal(x).all().item<bool>());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Is_fixed_by_its_seed_and_moves_every_image_and_channel_the_same_way(string kind)
    {
        using var a = Make(kind, 42);
        using var b = Make(kind, 42);
        using var c = Make(kind, 43);
        Assert.Equal(a.Positions, b.Positions);
        Assert.NotEqual(a.Positions, c.Positions);

        // Two different batches ("train" and "test"), applied in two calls each: the same mapping
        // output[p] = input[Index[p]] for every image and every channel.
        foreach (var seed in new[] { 1, 2 })
        {
            using var x = RandomImages(4, seed);
            using var first = a.Apply(x);
            using var second = a.Apply(x);
            Assert.True(first.equal(second).all().item<bool>());
            var input = x.data<byte>().ToArray();
            var output = first.data<byte>().ToArray();
            for (int img = 0; img < 4; img++)
                for (int ch = 0; ch < 3; ch++)
                    for (int p = 0; p < 1024; p += 7)
                        Assert.Equal(input[(img * 3 + ch) * 1024 + a.Positions[p]], output[(img * 3 + ch) * 1024 + p]);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void Patch_and_pixel_shuffle_moves_whole_patches_with_one_shared_pixel_order(int patch)
    {
        using var perm = FixedPermutation.PatchAndPixel(patch, seed: 9);
        int cols = 32 / patch, patches = cols * cols;
        Assert.Equal(patches, perm.PatchPermutation!.Count);
        Assert.Equal(patch * patch, perm.PixelPermutation!.Count);
        int PatchOf(long pos) => (int)(pos / 32 / patch * cols + pos % 32 / patch);
        int PixelOf(long pos) => (int)(pos / 32 % patch * patch + pos % 32 % patch);
        long PositionOf(int k, int q) => (k / cols * patch + q / patch) * 32 + k % cols * patch + q % patch;

        for (int k = 0; k < patches; k++)
        {
            var sources = Enumerable.Range(0, patch * patch).Select(q => perm.Positions[(int)PositionOf(k, q)]).ToList();
            // all pixels of output patch k come from one input patch: PatchPermutation[k] …
            Assert.All(sources, s => Assert.Equal(perm.PatchPermutation[k], PatchOf(s)));
            // … in the one pixel order every patch shares.
            Assert.Equal(perm.PixelPermutation, sources.Select(s => (long)PixelOf(s)));
        }

        // On an image: each output patch holds exactly the multiset of pixel values of its input patch.
        using var x = RandomImages(1, 3);
        using var y = perm.Apply(x);
        for (int k = 0; k < patches; k++)
        {
            int src = (int)perm.PatchPermutation[k];
            using var outPatch = y[0, .., (k / cols * patch)..((k / cols + 1) * patch), (k % cols * patch)..((k % cols + 1) * patch)];
            using var inPatch = x[0, .., (src / cols * patch)..((src / cols + 1) * patch), (src % cols * patch)..((src % cols + 1) * patch)];
            Assert.Equal(inPatch.flatten().sort().Values.data<byte>().ToArray(), outPatch.flatten().sort().Values.data<byte>().ToArray());
        }
    }

    [Fact]
    public void Global_shuffle_is_not_patch_structured_and_works_in_the_pipeline()
    {
        using var global = FixedPermutation.Global(seed: 1);
        Assert.Null(global.PatchPermutation);
        // Neighbours are scattered: few output neighbours come from input neighbours.
        int adjacent = 0;
        for (int p = 0; p < 1023; p++) if (Math.Abs(global.Positions[p] - global.Positions[p + 1]) == 1) adjacent++;
        Assert.True(adjacent < 20, $"{adjacent} of 1023 horizontal neighbours stayed neighbours");

        var pipeline = new DataPipeline(new Normalization([0, 0, 0], [1, 1, 1])) { Permutation = global };
        Assert.Contains(global, pipeline.EvalTransforms);
        Assert.Contains(global, pipeline.TrainTransforms);
        Assert.Throws<ArgumentException>(() => FixedPermutation.PatchAndPixel(5, 0));
    }
}
