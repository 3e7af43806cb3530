using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>Small helpers for the model tests.</summary>
static class ModelTestKit
{
    public static long Params(nn.Module module) => module.parameters().Sum(p => p.numel());

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.ToDouble();
    }

    public static double MaxAbs(Tensor a)
    {
        using var m = a.abs().max();
        return m.ToDouble();
    }

    /// <summary>
    /// Standard-normal test data from its own generator: the same numbers on every run, whatever other
    /// tests running in parallel do with TorchSharp's global generator.
    /// </summary>
    public static Tensor Randn(int seed, params long[] shape)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return randn(shape, generator: generator);
    }

    /// <summary>A fixed pseudo-random permutation of 0…n−1 (System.Random, so independent of TorchSharp's generator).</summary>
    public static long[] Permutation(long n, int seed)
    {
        var p = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        new Random(seed).Shuffle(p);
        return p;
    }

    /// <summary>Rows of a [B, N, C] table gathered by a permutation along N: out[:, j] = x[:, perm[j]].</summary>
    public static Tensor PermuteTokens(Tensor x, long[] perm)
    {
        using var index = tensor(perm);
        return x.index_select(1, index);
    }

    /// <summary>
    /// Reference image-side patch + pixel shuffle, the seed's shuffle_patches_and_pixels with given
    /// permutations: shuffled patch j = original patch patchPerm[j]; inside each patch, shuffled pixel q =
    /// original pixel pixelPerm[q], same for every channel (row-major orders).
    /// </summary>
    public static Tensor ShufflePatchesAndPixels(Tensor images, int patch, long[] patchPerm, long[] pixelPerm)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        long gh = h / patch, gw = w / patch;
        using var scope = NewDisposeScope();
        var table = images.reshape(b, c, gh, patch, gw, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, gh * gw, patch * patch);
        var shuffled = table.index_select(2, tensor(patchPerm)).index_select(3, tensor(pixelPerm));
        return shuffled.reshape(b, c, gh, gw, patch, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>Patch shuffle only (pixels inside patches kept).</summary>
    public static Tensor ShufflePatches(Tensor images, int patch, long[] patchPerm) =>
        ShufflePatchesAndPixels(images, patch, patchPerm, Enumerable.Range(0, patch * patch).Select(i => (long)i).ToArray());
}
