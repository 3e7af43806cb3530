using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Lessons;

/// <summary>
/// Helpers for notebook 03-mixer-token-channel-mixing: the patch shuffle and token permutation the
/// position-embedding demonstration uses.
/// </summary>
public static class MixerLesson
{
    /// <summary>A fixed pseudo-random permutation of 0…n−1 from <paramref name="seed"/> (System.Random: the same on every machine and run).</summary>
    public static long[] Permutation(int n, int seed)
    {
        var p = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        new Random(seed).Shuffle(p);
        return p;
    }

    /// <summary>The rows of a token table [B, S, C] reordered: output token j is input token perm[j] (ΠX).</summary>
    public static Tensor PermuteTokens(Tensor tokens, long[] perm)
    {
        CheckPermutation(perm, tokens.shape[1], "tokens");
        using var index = tensor(perm, device: tokens.device);
        return tokens.index_select(1, index);
    }

    /// <summary>
    /// Images [B, C, H, W] with their p×p patches reordered, the pixels inside each patch kept: output
    /// patch j (row-major grid order, the order the patch embedding numbers its tokens) is input patch
    /// perm[j]. So the stem's token table of the shuffled image is the original table with its rows
    /// permuted the same way.
    /// </summary>
    public static Tensor ShufflePatches(Tensor images, int patch, long[] perm)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (patch <= 0 || h % patch != 0 || w % patch != 0)
            throw new ArgumentException($"patch size {patch} must divide the image size {h}×{w}.", nameof(patch));
        long gh = h / patch, gw = w / patch;
        CheckPermutation(perm, gh * gw, "patches");
        using var scope = NewDisposeScope();
        var grid = images.reshape(b, c, gh, patch, gw, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, gh * gw, patch, patch);
        var shuffled = grid.index_select(2, tensor(perm, device: images.device));
        return shuffled.reshape(b, c, gh, gw, patch, patch).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>The largest |a − b| over all entries.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.ToDouble();
    }

    static void CheckPermutation(long[] perm, long size, string what)
    {
        if (perm.Length != size) throw new ArgumentException($"the permutation has {perm.Length} entries for {size} {what}.", nameof(perm));
        var seen = new bool[size];
        foreach (var i in perm)
        {
            if (i < 0 || i >= size || seen[i]) throw new ArgumentException($"not a permutation of 0…{size - 1} (entry {i}).", nameof(perm));
            seen[i] = true;
        }
    }
}
