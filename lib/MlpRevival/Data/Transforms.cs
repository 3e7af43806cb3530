using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

/// <summary>
/// A transform of a whole batch [B, C, H, W] at once (never image by image). Random transforms draw
/// from the generator they are given; the loader seeds one per batch from (seed, epoch, batch), so
/// every batch is reproducible on its own — which makes runs resumable and prefetching safe.
/// Returns a new tensor; the input is left alone.
/// </summary>
public interface IBatchTransform
{
    Tensor Apply(Tensor batch, Generator generator);
}

/// <summary>uint8 0–255 → float32 0–1 (for pipelines without <see cref="Normalization"/>).</summary>
public sealed record ToUnitFloat : IBatchTransform
{
    public Tensor Apply(Tensor batch, Generator generator) =>
        batch.dtype == ScalarType.Byte ? batch.to(ScalarType.Float32).div_(255.0) : batch.to(ScalarType.Float32, copy: true);
}

/// <summary>
/// Random crop with zero padding, as in the standard CIFAR recipe (pad 4, crop 32×32): each image
/// is shifted by its own offsets dy, dx ∈ [0, 2·padding], the area shifted in is black. Done for
/// the whole batch with one pad and one gather over per-image index arithmetic.
/// </summary>
public sealed record RandomCrop(int Padding = 4) : IBatchTransform
{
    public Tensor Apply(Tensor batch, Generator generator)
    {
        var (dy, dx) = DrawOffsets(batch.shape[0], generator);
        using (dy) using (dx) return Crop(batch, dy, dx);
    }

    /// <summary>The per-image offsets Apply would use: two int64 [B] tensors in [0, 2·padding].</summary>
    public (Tensor Dy, Tensor Dx) DrawOffsets(long batchSize, Generator generator) =>
        (torch.randint(0, 2 * Padding + 1, [batchSize], ScalarType.Int64, generator: generator),
         torch.randint(0, 2 * Padding + 1, [batchSize], ScalarType.Int64, generator: generator));

    /// <summary>The crop for given offsets: out[b, c, y, x] = padded[b, c, y + dy[b], x + dx[b]].</summary>
    public Tensor Crop(Tensor batch, Tensor dy, Tensor dx)
    {
        if (Padding == 0) return batch.clone();
        using var scope = torch.NewDisposeScope();
        long B = batch.shape[0], C = batch.shape[1], H = batch.shape[2], W = batch.shape[3];
        long paddedWidth = W + 2 * Padding;
        var padded = nn.functional.pad(batch, [Padding, Padding, Padding, Padding]);
        var device = batch.device;
        var rows = dy.to(device).unsqueeze(1) + torch.arange(H, device: device).unsqueeze(0);   // [B, H]
        var cols = dx.to(device).unsqueeze(1) + torch.arange(W, device: device).unsqueeze(0);   // [B, W]
        var index = (rows.unsqueeze(2) * paddedWidth + cols.unsqueeze(1)).view(B, 1, H * W).expand(B, C, H * W);
        var cropped = padded.view(B, C, -1).gather(2, index).view(B, C, H, W);
        return cropped.MoveToOuterDisposeScope();
    }
}

/// <summary>Horizontal flip of each image with probability <see cref="Probability"/> (its own coin).</summary>
public sealed record RandomHorizontalFlip(double Probability = 0.5) : IBatchTransform
{
    public Tensor Apply(Tensor batch, Generator generator)
    {
        using var coins = DrawCoins(batch.shape[0], generator);
        return Flip(batch, coins);
    }

    /// <summary>Bool [B]: which images Apply would flip.</summary>
    public Tensor DrawCoins(long batchSize, Generator generator)
    {
        using var u = torch.rand([batchSize], generator: generator);
        return u.lt(Probability);
    }

    public static Tensor Flip(Tensor batch, Tensor flip)
    {
        using var scope = torch.NewDisposeScope();
        var mask = flip.to(batch.device).view(-1, 1, 1, 1);
        return torch.where(mask, batch.flip(3), batch).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Crop, flip and fixed permutation fused into one gather: for image b and output position p, the
/// source position in the zero-padded image is computed once ([B, H·W] int64) and one gather moves
/// the pixels. Draws exactly what <see cref="RandomCrop"/> then <see cref="RandomHorizontalFlip"/>
/// draw from the same generator, so it equals applying RandomCrop, RandomHorizontalFlip and the
/// permutation one after another — in a third of the memory traffic.
/// </summary>
public sealed record SpatialAugmentation(int CropPadding, bool HorizontalFlip, FixedPermutation? Permutation) : IBatchTransform
{
    public Tensor Apply(Tensor batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        long B = batch.shape[0], C = batch.shape[1], H = batch.shape[2], W = batch.shape[3];
        var device = batch.device;
        int p = CropPadding;
        var source = p > 0 ? nn.functional.pad(batch, [p, p, p, p]) : batch;
        long paddedWidth = W + 2 * p;
        Tensor dy, dx;
        if (p > 0) (dy, dx) = new RandomCrop(p).DrawOffsets(B, generator);
        else (dy, dx) = (torch.zeros(B, ScalarType.Int64), torch.zeros(B, ScalarType.Int64));
        var x = torch.arange(W, device: device).unsqueeze(0).expand(B, W);                     // [B, W]
        if (HorizontalFlip)
        {
            var flip = new RandomHorizontalFlip().DrawCoins(B, generator).to(device).unsqueeze(1);
            x = torch.where(flip, (W - 1) - x, x);                                              // mirrored column
        }
        var rows = dy.to(device).unsqueeze(1) + torch.arange(H, device: device).unsqueeze(0);   // [B, H]
        var cols = dx.to(device).unsqueeze(1) + x;                                              // [B, W]
        var index = (rows.unsqueeze(2) * paddedWidth + cols.unsqueeze(1)).view(B, H * W);       // [B, H·W]
        if (Permutation is not null && Permutation.Kind != PermutationKind.Identity)
            index = index.index_select(1, Permutation.Index.to(device));                        // output p ← augmented p'
        var moved = source.reshape(B, C, -1).gather(2, index.unsqueeze(1).expand(B, C, H * W)).view(B, C, H, W);
        return moved.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The pipeline of a run: which transforms the training batches get, and which the evaluation
/// batches get (the same minus the random ones). Order: augmentation on the uint8 image, then the
/// fixed permutation (the model sees a permuted version of an augmented natural image, as in the
/// Mixer paper's experiment), then float conversion with normalisation.
/// </summary>
public sealed record DataPipeline(Normalization Normalization)
{
    /// <summary>Zero padding of the random crop; 0 = no crop.</summary>
    public int CropPadding { get; init; }

    public bool HorizontalFlip { get; init; }

    /// <summary>A fixed pixel permutation applied to every train and test image (pixel-shuffle experiment).</summary>
    public FixedPermutation? Permutation { get; init; }

    /// <summary>Normalisation only, statistics of <paramref name="train"/> (the seed gMLP's setup).</summary>
    public static DataPipeline For(ImageSet train) => new(Normalization.Of(train));

    /// <summary>The standard CIFAR augmentation: random crop with 4 pixels of padding and horizontal flip.</summary>
    public DataPipeline WithAugmentation(int padding = 4, bool flip = true) => this with { CropPadding = padding, HorizontalFlip = flip };

    public IReadOnlyList<IBatchTransform> TrainTransforms
    {
        get
        {
            // Crop, flip and permutation as one gather (equal to applying them in turn; see SpatialAugmentation).
            var list = new List<IBatchTransform>();
            if (CropPadding > 0 || HorizontalFlip) list.Add(new SpatialAugmentation(CropPadding, HorizontalFlip, Permutation));
            else if (Permutation is not null) list.Add(Permutation);
            list.Add(Normalization);
            return list;
        }
    }

    public IReadOnlyList<IBatchTransform> EvalTransforms =>
        Permutation is null ? [Normalization] : [Permutation, Normalization];

    public override string ToString() =>
        string.Join(" → ", new[]
        {
            CropPadding > 0 ? $"random crop (pad {CropPadding})" : null,
            HorizontalFlip ? "horizontal flip" : null,
            Permutation?.ToString(),
            Normalization.ToString(),
        }.OfType<string>());
}
