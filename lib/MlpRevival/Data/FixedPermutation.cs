using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

public enum PermutationKind { Identity, Patches, PatchAndPixel, Global }

/// <summary>
/// One fixed permutation of pixel positions, for the MLP-Mixer paper's shuffling experiment (§3.4,
/// fig. 4): drawn once (from a seed, or given as explicit orders) and applied identically to every
/// training and test image — not a new draw per batch. The same permutation moves all channels of a
/// pixel together. The course's one way to reorder patches and pixels.
///
/// - <see cref="PatchAndPixel"/>: the image is cut into patch×patch tiles; the tiles are permuted
///   (<see cref="PatchPermutation"/>), and the pixels inside every tile are permuted by one pixel
///   permutation shared by all tiles (<see cref="PixelPermutation"/>). A Mixer can undo this exactly
///   (its patch embedding absorbs the pixel order, token mixing the patch order), a CNN cannot.
/// - <see cref="Patches"/>: the tiles permuted, the pixels inside each kept in place.
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

    FixedPermutation(PermutationKind kind, int height, int width, int? patchSize, long? seed, long[] index, long[]? patchPermutation, long[]? pixelPermutation)
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

    /// <summary>
    /// A patch + pixel shuffle from explicit orders: output patch k is input patch
    /// <paramref name="patchPermutation"/>[k], and its pixel q that patch's pixel
    /// <paramref name="pixelPermutation"/>[q] (both numbered row by row).
    /// </summary>
    public FixedPermutation(IReadOnlyList<long> patchPermutation, IReadOnlyList<long> pixelPermutation, int patchSize, int height = 32, int width = 32)
        : this(PatchesOf(patchPermutation, pixelPermutation, patchSize, height, width), PermutationKind.PatchAndPixel, null) { }

    /// <summary>Any order of the H·W positions, given explicitly: output position p shows input position <paramref name="positions"/>[p].</summary>
    public FixedPermutation(IReadOnlyList<long> positions, int height = 32, int width = 32)
        : this(PermutationKind.Global, height, width, null, null, Checked(positions, (long)height * width, "positions", "pixel positions"), null, null) { }

    FixedPermutation((long[] Patches, long[] Pixels, int Size, int Height, int Width) orders, PermutationKind kind, long? seed)
        : this(kind, orders.Height, orders.Width, orders.Size, seed,
               Compose(orders.Patches, orders.Pixels, orders.Size, orders.Width / orders.Size, orders.Width), orders.Patches, orders.Pixels) { }

    public PermutationKind Kind { get; }
    public int Height { get; }
    public int Width { get; }
    public int? PatchSize { get; }

    /// <summary>The seed it was drawn from; null for explicit orders.</summary>
    public long? Seed { get; }

    /// <summary>int64 [H·W] on the CPU: output position p (row-major) takes input position Index[p].</summary>
    public Tensor Index { get; }

    /// <summary>The order of the patches (patch shuffles only): output patch k is input patch PatchPermutation[k].</summary>
    public IReadOnlyList<long>? PatchPermutation { get; }

    /// <summary>The order of the pixels inside every patch (patch shuffles only).</summary>
    public IReadOnlyList<long>? PixelPermutation { get; }

    public IReadOnlyList<long> Positions => index;

    public static FixedPermutation Identity(int height = 32, int width = 32) =>
        new(PermutationKind.Identity, height, width, null, null, InOrder(height * width), null, null);

    /// <summary>Patch + pixel shuffle with <paramref name="patchSize"/>×<paramref name="patchSize"/> patches (16 in the paper at 224²; 4 or 8 suit 32²).</summary>
    public static FixedPermutation PatchAndPixel(int patchSize, long seed, int height = 32, int width = 32) =>
        new(PatchesOf(DrawPatches(patchSize, seed, height, width), Drawn(patchSize * patchSize, Seeds.Mix(seed, 2)), patchSize, height, width),
            PermutationKind.PatchAndPixel, seed);

    /// <summary>Patch shuffle: the patches reordered (in the order <see cref="PatchAndPixel"/> draws from the same seed), the pixels inside each kept.</summary>
    public static FixedPermutation Patches(int patchSize, long seed, int height = 32, int width = 32) =>
        new(PatchesOf(DrawPatches(patchSize, seed, height, width), InOrder(patchSize * patchSize), patchSize, height, width),
            PermutationKind.Patches, seed);

    /// <summary>Global shuffle: one permutation of all H·W pixel positions.</summary>
    public static FixedPermutation Global(long seed, int height = 32, int width = 32) =>
        new(PermutationKind.Global, height, width, null, seed, Drawn(height * width, Seeds.Mix(seed, 3)), null, null);

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

    /// <summary>
    /// What a patch shuffle does to a token table [B, S, C] whose rows are the patches (a Mixer's stem
    /// output, numbered row by row like the patches): row k becomes row PatchPermutation[k], X' = ΠX.
    /// </summary>
    public Tensor PermuteTokens(Tensor tokens)
    {
        if (PatchPermutation is null)
            throw new InvalidOperationException($"{this} has no patch order: only a patch shuffle permutes tokens.");
        if (tokens.dim() != 3 || tokens.shape[1] != PatchPermutation.Count)
            throw new ArgumentException($"expected a token table [B, {PatchPermutation.Count}, C], got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        using var order = torch.tensor(PatchPermutation.ToArray(), ScalarType.Int64, device: tokens.device);
        return tokens.index_select(1, order);
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

    static long[] DrawPatches(int patchSize, long seed, int height, int width)
    {
        if (patchSize <= 0 || height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException($"patch size {patchSize} must divide the image size {height}×{width}.", nameof(patchSize));
        return Drawn(height / patchSize * (width / patchSize), Seeds.Mix(seed, 1));
    }

    // A permutation of 0…n−1 drawn from the seed (Seeds.Permutation: the same on every machine and run).
    static long[] Drawn(int n, long seed) => Seeds.Permutation(n, seed).Select(i => (long)i).ToArray();

    static long[] InOrder(int n) => Enumerable.Range(0, n).Select(i => (long)i).ToArray();

    static (long[], long[], int, int, int) PatchesOf(IReadOnlyList<long> patches, IReadOnlyList<long> pixels, int patchSize, int height, int width)
    {
        if (patchSize <= 0 || height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException($"patch size {patchSize} must divide the image size {height}×{width}.", nameof(patchSize));
        long count = (long)(height / patchSize) * (width / patchSize);
        return (Checked(patches, count, "patchPermutation", "patches"), Checked(pixels, (long)patchSize * patchSize, "pixelPermutation", "pixels in a patch"),
                patchSize, height, width);
    }

    /// <summary><paramref name="order"/> as an array, after checking it is a permutation of 0…<paramref name="size"/>−1.</summary>
    static long[] Checked(IReadOnlyList<long> order, long size, string name, string what)
    {
        if (order.Count != size)
            throw new ArgumentException($"{name} must permute the {size} {what}; it has {order.Count} entries.", name);
        var seen = new bool[size];
        foreach (var i in order)
        {
            if (i < 0 || i >= size || seen[i])
                throw new ArgumentException($"{name} is not a permutation of 0…{size - 1} (entry {i}).", name);
            seen[i] = true;
        }
        return order.ToArray();
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

    public override string ToString()
    {
        string from = Seed is { } seed ? $"seed {seed}" : "given order";
        return Kind switch
        {
            PermutationKind.Identity => "no shuffle",
            PermutationKind.Patches => $"patch shuffle ({PatchSize}×{PatchSize} patches, {from})",
            PermutationKind.PatchAndPixel => $"patch+pixel shuffle ({PatchSize}×{PatchSize} patches, {from})",
            _ => $"global pixel shuffle ({from})",
        };
    }

    public void Dispose()
    {
        Index.Dispose();
        foreach (var t in onDevice.Values) t.Dispose();
        onDevice.Clear();
    }
}
