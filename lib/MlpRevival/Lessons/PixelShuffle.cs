using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Lessons;

/// <summary>
/// Helpers for notebook 02-pixel-shuffle: the seed article's two shuffle functions as it wrote them —
/// the counter-example to <see cref="FixedPermutation"/>, kept only to show what goes wrong — an image
/// whose colours say where each pixel came from, and a count that tells a Mixer-undoable shuffle from
/// one no weight permutation undoes.
/// </summary>
public static class PixelShuffle
{
    /// <summary>
    /// The seed's <c>shuffle_patches_and_pixels</c>, step by step in TorchSharp: cut [B, C, H, W] into
    /// p×p patches, draw a patch order and a pixel order with <c>randperm</c> (in that order, from
    /// <paramref name="generator"/>), reorder the patches, reorder the pixels inside every patch, put
    /// the image back together. Its mistake: the orders are drawn inside, so every call — every batch —
    /// gets other permutations.
    /// </summary>
    public static Tensor SeedPatchAndPixel(Tensor x, int patchSize, Generator? generator = null)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], p = patchSize;
        if (h % p != 0 || w % p != 0) throw new ArgumentException($"patch size {p} must divide {h}×{w}.", nameof(patchSize));
        long rows = h / p, cols = w / p, patches = rows * cols;
        using var scope = NewDisposeScope();
        var grid = x.view(b, c, rows, p, cols, p).permute(0, 1, 2, 4, 3, 5);          // [B, C, rows, cols, p, p]
        var patchOrder = randperm(patches, generator: generator).to(x.device);
        var tiles = grid.reshape(b, c, patches, p, p).index_select(2, patchOrder);
        var pixelOrder = randperm(p * p, generator: generator).to(x.device);
        tiles = tiles.reshape(b, c, patches, p * p).index_select(3, pixelOrder);
        var image = tiles.reshape(b, c, rows, cols, p, p).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w);
        return image.MoveToOuterDisposeScope();
    }

    /// <summary>The seed's <c>shuffle_globally</c>: all H·W positions reordered by a fresh <c>randperm</c> on every call.</summary>
    public static Tensor SeedGlobal(Tensor x, Generator? generator = null)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        using var scope = NewDisposeScope();
        var order = randperm(h * w, generator: generator).to(x.device);
        var image = x.reshape(b, c, h * w).index_select(2, order).view(b, c, h, w);
        return image.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A uint8 [1, 3, H, W] image that encodes position: red grows down the rows, green along the
    /// columns, and blue is high on every other patch of a <paramref name="patchSize"/> checkerboard.
    /// Shuffled, it shows where each output pixel came from.
    /// </summary>
    public static Tensor PositionImage(int height = 32, int width = 32, int patchSize = 4)
    {
        using var scope = NewDisposeScope();
        var rows = arange(height, dtype: ScalarType.Float32).view(height, 1).expand(height, width);
        var cols = arange(width, dtype: ScalarType.Float32).view(1, width).expand(height, width);
        var red = rows * (255.0 / Math.Max(1, height - 1));
        var green = cols * (255.0 / Math.Max(1, width - 1));
        var checker = (rows.div(patchSize).floor() + cols.div(patchSize).floor()).remainder(2);
        var blue = checker * 200 + 30;
        var image = stack([red, green, blue]).round().to(ScalarType.Byte).unsqueeze(0);
        return image.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// How many of the p×p output patches of <paramref name="perm"/> take all their pixels from one
    /// input patch. A patch + pixel shuffle with the Mixer's patch size scores all of them — the
    /// condition for a permuted stem and token-mixing to undo it; a global shuffle almost none.
    /// </summary>
    public static int PatchesFromOnePatch(FixedPermutation perm, int patchSize)
    {
        int w = perm.Width, cols = w / patchSize, rows = perm.Height / patchSize, count = 0;
        long PatchOf(long position) => position / w / patchSize * cols + position % w / patchSize;
        for (int k = 0; k < rows * cols; k++)
        {
            var sources = new HashSet<long>();
            for (int q = 0; q < patchSize * patchSize; q++)
            {
                long output = (k / cols * patchSize + q / patchSize) * w + k % cols * patchSize + q % patchSize;
                sources.Add(PatchOf(perm.Positions[(int)output]));
            }
            if (sources.Count == 1) count++;
        }
        return count;
    }
}
