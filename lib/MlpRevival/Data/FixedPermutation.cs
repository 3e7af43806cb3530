using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

public enum PermutationKind { Identity, PatchAndPixel, Global }

/// <summary>
/// One fixed permutation of pixel positions, for the MLP-Mixer paper's shuffling experiment (§3.4,
/// fig. 4): drawn once from a seed and applied identically to every training and test image (not a
/// new draw per batch). The same permutation moves all channels of a pixel together.
///
/// - <see cref="PatchAndPixel"/>: the image is cut into patch×patch tiles; the tiles are permuted
///   (<see cref="PatchPermutation"/>), and the pixels inside every tile are permuted by one pixel
///   permutation shared by all tiles (<see cref="PixelPermutation"/>). A Mixer can undo this exactly
///   (its patch embedding absorbs the pixel order, token mixing the patch order), a CNN cannot.
/// - <see cref="Global"/>: one permutation of all H·W positions.
///
/// Convention, as in the seed's code: output position p shows input position <see cref="Index"/>[p];
/// output patch k is input patch PatchPermutation[k], and its pixel q is that patch's pixel PixelPermutation[q]
/// (patches and pixels numbered row by row).
/// </summary>
public sealed class FixedPermutation : IBatchTransform, IDisposable
{
    readonly Dictionary<string, Tensor> onDevice = [];
    readonly long[] index;

    FixedPermutation(PermutationKind kind, int height, int width, int? patchSize, long seed, long[] index, long[]? patchPermutation, long[]? pixelPermutation)
    {
        Kind = kind;
        Height = height;
        Width = width;
        PatchSize = patchSize;
        Seed = seed;
        this.index = index;
        PatchPermutation = patchPermutation;
        PixelPermutation = pixelPermutation;
        Index = torch.tensor(index, ScalarType.Int64).DetachFromDisposeScope();
    }

    public PermutationKind Kind { get; }
    public int Height { get; }
    public int Width { get; }
    public int? PatchSize { get; }
    public long Seed { get; }

    /// <summary>int64 [H·W] on the CPU: output position p (row-major) takes input position Index[p].</summary>
    public Tensor Index { get; }

    /// <summary>The order of the patches (PatchAndPixel only): output patch k is input patch PatchPermutation[k].</summary>
    public IReadOnlyList<long>? PatchPermutation { get; }

    /// <summary>The order of the pixels inside every patch (PatchAndPixel only).</summary>
    public IReadOnlyList<long>? PixelPermutation { get; }

    public IReadOnlyList<long> Positions => index;

    public static FixedPermutation Identity(int height = 32, int width = 32) =>
        new(PermutationKind.Identity, height, width, null, 0, Enumerable.Range(0, height * width).Select(i => (long)i).ToArray(), null, null);

    /// <summary>Patch + pixel shuffle with <paramref name="patchSize"/>×<paramref name="patchSize"/> patches (16 in the paper at 224²; 4 or 8 suit 32²).</summary>
    public static FixedPermutation PatchAndPixel(int patchSize, long seed, int height = 32, int width = 32)
    {
        if (patchSize <= 0 || height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException($"patch size {patchSize} must divide the image size {height}×{width}.", nameof(patchSize));
        int rows = height / patchSize, cols = width / patchSize;
        var patches = Seeds.Permutation(rows * cols, Seeds.Mix(seed, 1)).Select(i => (long)i).ToArray();
        var pixels = Seeds.Permutation(patchSize * patchSize, Seeds.Mix(seed, 2)).Select(i => (long)i).ToArray();
        return new(PermutationKind.PatchAndPixel, height, width, patchSize, seed, Compose(patches, pixels, patchSize, cols, width), patches, pixels);
    }

    /// <summary>Global shuffle: one permutation of all H·W pixel positions.</summary>
    public static FixedPermutation Global(long seed, int height = 32, int width = 32) =>
        new(PermutationKind.Global, height, width, null, seed,
            Seeds.Permutation(height * width, Seeds.Mix(seed, 3)).Select(i => (long)i).ToArray(), null, null);

    /// <summary>The permutation that undoes this one: Inverse().Apply(Apply(x)) == x.</summary>
    public FixedPermutation Inverse()
    {
        var inverse = new long[index.Length];
        for (int p = 0; p < index.Length; p++) inverse[index[p]] = p;
        long[]? Invert(IReadOnlyList<long>? perm)
        {
            if (perm is null) return null;
            var inv = new long[perm.Count];
            for (int i = 0; i < perm.Count; i++) inv[perm[i]] = i;
            return inv;
        }
        return new(Kind, Height, Width, PatchSize, Seed, inverse, Invert(PatchPermutation), Invert(PixelPermutation));
    }

    /// <summary>Permutes the pixel positions of a batch [B, C, H, W] (or one image [C, H, W]), any dtype and device.</summary>
    public Tensor Apply(Tensor images)
    {
        if (images.shape[^2] != Height || images.shape[^1] != Width)
            throw new ArgumentException($"this permutation is for {Height}×{Width} images, got [{string.Join(", ", images.shape)}].", nameof(images));
        if (Kind == PermutationKind.Identity) return images.clone();
        using var flat = images.flatten(-2);
        using var permuted = flat.index_select(-1, IndexOn(images.device));
        return permuted.view(images.shape);
    }

    Tensor IBatchTransform.Apply(Tensor batch, Generator generator) => Apply(batch);

    Tensor IndexOn(Device device)
    {
        if (device.type == DeviceType.CPU) return Index;
        var key = device.ToString();
        lock (onDevice)
        {
            if (!onDevice.TryGetValue(key, out var t)) onDevice[key] = t = Index.to(device).DetachFromDisposeScope();
            return t;
        }
    }

    /// <summary>Output position of (patch k, pixel q) ← input position of (patch patches[k], pixel pixels[q]).</summary>
    static long[] Compose(long[] patches, long[] pixels, int p, int patchCols, int width)
    {
        var result = new long[patches.Length * pixels.Length];
        long Position(long patch, long pixel) => (patch / patchCols * p + pixel / p) * width + patch % patchCols * p + pixel % p;
        for (int k = 0; k < patches.Length; k++)
            for (int q = 0; q < pixels.Length; q++)
                result[Position(k, q)] = Position(patches[k], pixels[q]);
        return result;
    }

    public override string ToString() => Kind switch
    {
        PermutationKind.Identity => "no shuffle",
        PermutationKind.PatchAndPixel => $"patch+pixel shuffle ({PatchSize}×{PatchSize} patches, seed {Seed})",
        _ => $"global pixel shuffle (seed {Seed})",
    };

    public void Dispose()
    {
        Index.Dispose();
        foreach (var t in onDevice.Values) t.Dispose();
        onDevice.Clear();
    }
}
