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
            var list = new List<IBatchTransform>();
            if (CropPadding > 0) list.Add(new RandomCrop(CropPadding));
            if (HorizontalFlip) list.Add(new RandomHorizontalFlip());
            if (Permutation is not null) list.Add(Permutation);
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
