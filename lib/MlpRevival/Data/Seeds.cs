namespace MlpRevival.Data;

/// <summary>
/// Deterministic seeds and shuffles that do not depend on the .NET or libtorch version: the
/// committed sample must be byte-identical wherever `course data sample` runs, and a resumed run
/// must draw exactly what the uninterrupted one drew.
/// </summary>
public static class Seeds
{
    /// <summary>One well-mixed 63-bit seed from a base seed and a path of integers (epoch, batch, …).</summary>
    public static long Mix(long seed, params long[] path)
    {
        ulong h = SplitMix((ulong)seed ^ 0x6A09E667F3BCC908UL);
        foreach (var p in path) h = SplitMix(h ^ (ulong)p);
        return (long)(h >> 1);
    }

    /// <summary>A permutation of 0..n-1 by Fisher–Yates over a SplitMix64 stream (fully specified, portable).</summary>
    public static int[] Permutation(int n, long seed)
    {
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        var state = (ulong)seed;
        for (int i = n - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15UL;
            // Lemire's multiply-shift maps 64 random bits to [0, i]; the bias (< 2^-32 here) does not matter.
            int j = (int)(((UInt128)Finalize(state) * (ulong)(i + 1)) >> 64);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    static ulong SplitMix(ulong x) => Finalize(x + 0x9E3779B97F4A7C15UL);

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
