using MlpRevival.Data;
using MlpRevival.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Data;

/// <summary>
/// The shuffling experiment's permutations: bijections, fixed, structured as the Mixer paper
/// describes, built from a seed or from explicit orders, and equal to what the seed article's
/// per-call shuffle computes for the orders it draws.
/// </summary>
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

    static long[] Draw(Generator generator, long n) => randperm(n, generator: generator).data<long>().ToArray();

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Explicit_orders_give_what_the_seeds_code_computes_with_the_orders_it_draws(int patch)
    {
        // The seed's functions call randperm (patch order, then pixel order); a generator in the same state replays them.
        using var x = RandomImages(3, 4);
        using var replay = new Generator(11, CPU);
        using var drawing = new Generator(11, CPU);
        using var orders = new FixedPermutation(Draw(replay, 32 / patch * (32 / patch)), Draw(replay, patch * patch), patch);
        using var seeds = PixelShuffle.SeedPatchAndPixel(x, patch, drawing);
        using var ours = orders.Apply(x);
        Assert.True(ours.equal(seeds).all().item<bool>());
        Assert.Equal(PermutationKind.PatchAndPixel, orders.Kind);
        Assert.Null(orders.Seed);
        Assert.Contains("given order", orders.ToString());

        using var globalReplay = new Generator(12, CPU);
        using var globalDrawing = new Generator(12, CPU);
        using var positions = new FixedPermutation(Draw(globalReplay, 1024));
        using var seedsGlobal = PixelShuffle.SeedGlobal(x, globalDrawing);
        using var oursGlobal = positions.Apply(x);
        Assert.True(oursGlobal.equal(seedsGlobal).all().item<bool>());
        Assert.Equal(PermutationKind.Global, positions.Kind);
    }

    [Fact]
    public void The_seeds_per_call_shuffle_draws_another_permutation_every_call()
    {
        using var codes = arange(1024, dtype: ScalarType.Int64).view(1, 1, 32, 32);
        using var generator = new Generator(0, CPU);
        using var first = PixelShuffle.SeedPatchAndPixel(codes, 4, generator);
        using var second = PixelShuffle.SeedPatchAndPixel(codes, 4, generator);
        Assert.False(first.equal(second).all().item<bool>());
        using var fixedShuffle = FixedPermutation.PatchAndPixel(4, seed: 0);
        using var once = fixedShuffle.Apply(codes);
        using var twice = fixedShuffle.Apply(codes);
        Assert.True(once.equal(twice).all().item<bool>());
    }

    [Fact]
    public void A_patch_shuffle_moves_the_patches_of_patch_and_pixel_and_keeps_their_pixels()
    {
        using var patches = FixedPermutation.Patches(4, seed: 7);
        using var both = FixedPermutation.PatchAndPixel(4, seed: 7);
        Assert.Equal(PermutationKind.Patches, patches.Kind);
        Assert.Equal(both.PatchPermutation, patches.PatchPermutation);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), patches.PixelPermutation!);
        using var sameOrders = new FixedPermutation(both.PatchPermutation!, patches.PixelPermutation!, 4);
        Assert.Equal(sameOrders.Positions, patches.Positions);
        Assert.StartsWith("patch shuffle (4×4 patches, seed 7)", patches.ToString());
    }

    [Fact]
    public void Permuting_tokens_reorders_the_rows_of_a_patch_table_as_the_shuffle_reorders_the_patches()
    {
        // A "stem" that only cuts the image into its 64 patches, row by row: [B, 64, 3·4·4].
        static Tensor PatchTable(Tensor images) =>
            images.reshape(2, 3, 8, 4, 8, 4).permute(0, 2, 4, 1, 3, 5).reshape(2, 64, 48);
        using var scope = NewDisposeScope();
        using var shuffle = FixedPermutation.Patches(4, seed: 3);
        var x = RandomImages(2, 5);
        Assert.True(shuffle.PermuteTokens(PatchTable(x)).equal(PatchTable(shuffle.Apply(x))).all().item<bool>());
        Assert.Throws<ArgumentException>(() => shuffle.PermuteTokens(zeros(2, 63, 8)));
        using var global = FixedPermutation.Global(seed: 3);
        Assert.Throws<InvalidOperationException>(() => global.PermuteTokens(zeros(2, 64, 8)));
    }

    [Fact]
    public void Explicit_orders_that_are_not_permutations_are_refused_with_the_reason()
    {
        long[] InOrder(int n) => Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var shortOrder = Assert.Throws<ArgumentException>(() => new FixedPermutation(InOrder(63), InOrder(16), 4));
        Assert.Contains("must permute the 64 patches; it has 63 entries", shortOrder.Message);
        var twice = InOrder(16);
        twice[3] = 2;
        var repeated = Assert.Throws<ArgumentException>(() => new FixedPermutation(InOrder(64), twice, 4));
        Assert.Contains("not a permutation of 0…15 (entry 2)", repeated.Message);
        Assert.Throws<ArgumentException>(() => new FixedPermutation(InOrder(64), InOrder(16), 5));
        Assert.Throws<ArgumentException>(() => new FixedPermutation([.. InOrder(1023), 1024]));
    }
}
