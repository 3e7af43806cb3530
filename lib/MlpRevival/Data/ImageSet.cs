using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

/// <summary>
/// Labelled images held as two CPU tensors: <see cref="Images"/> uint8 [N, C, H, W] (the bytes as
/// stored, 0–255) and <see cref="Labels"/> int64 [N]. Batches are cut from these with index_select,
/// so no per-image object ever exists. Owns its tensors: dispose it (or let a using block do it).
/// </summary>
public sealed class ImageSet : IDisposable
{
    public ImageSet(Tensor images, Tensor labels, IReadOnlyList<string> classNames, string source)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"images must be uint8 [N, C, H, W], got {images.dtype} [{string.Join(", ", images.shape)}]", nameof(images));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"labels must be int64 [{images.shape[0]}], got {labels.dtype} [{string.Join(", ", labels.shape)}]", nameof(labels));
        Images = images;
        Labels = labels;
        ClassNames = classNames;
        Source = source;
    }

    public Tensor Images { get; }
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the images came from (folder and split, or how the subset was taken).</summary>
    public string Source { get; }

    public int Count => (int)Images.shape[0];
    public int Channels => (int)Images.shape[1];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];

    /// <summary>How many images each class has, indexed by label.</summary>
    public long[] ClassCounts()
    {
        using var counts = torch.bincount(Labels, minlength: ClassNames.Count);
        return counts.data<long>().ToArray();
    }

    public long[] LabelArray() => Labels.data<long>().ToArray();

    /// <summary>
    /// A class-balanced subset: <paramref name="perClass"/> images of every class, chosen by a seeded
    /// shuffle of each class's images (portable: same seed, same images, on any machine), kept in
    /// their original order.
    /// </summary>
    public ImageSet Subset(int perClass, long seed) =>
        Select(BalancedIndices(perClass, seed), $"{Source}, {perClass} per class (seed {seed})");

    /// <summary>The indices <see cref="Subset"/> takes, ascending.</summary>
    public long[] BalancedIndices(int perClass, long seed)
    {
        if (perClass <= 0) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "perClass must be at least 1.");
        var labels = LabelArray();
        var byClass = Enumerable.Range(0, ClassNames.Count).Select(_ => new List<long>()).ToArray();
        for (long i = 0; i < labels.Length; i++) byClass[labels[i]].Add(i);
        var chosen = new List<long>(perClass * ClassNames.Count);
        for (int c = 0; c < byClass.Length; c++)
        {
            if (byClass[c].Count < perClass)
                throw new ArgumentException(
                    $"Class '{ClassNames[c]}' has only {byClass[c].Count} images in {Source}; ask for at most {byClass.Min(b => b.Count)} per class.",
                    nameof(perClass));
            var order = Seeds.Permutation(byClass[c].Count, Seeds.Mix(seed, c));
            for (int k = 0; k < perClass; k++) chosen.Add(byClass[c][order[k]]);
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    /// <summary>The first <paramref name="count"/> images (not class-balanced: see <see cref="Subset"/>).</summary>
    public ImageSet Take(int count) =>
        count >= Count ? Select(Enumerable.Range(0, Count).Select(i => (long)i).ToList(), Source)
                       : Select(Enumerable.Range(0, count).Select(i => (long)i).ToList(), $"{Source}, first {count}");

    /// <summary>The images at <paramref name="indices"/>, as a new set that owns copies.</summary>
    public ImageSet Select(IReadOnlyList<long> indices, string? source = null)
    {
        using var index = torch.tensor(indices.ToArray(), ScalarType.Int64);
        return new ImageSet(Images.index_select(0, index), Labels.index_select(0, index), ClassNames, source ?? $"{Source}, {indices.Count} selected");
    }

    public override string ToString() => $"{Count:N0} images {Channels}×{Height}×{Width}, {ClassNames.Count} classes ({Source})";

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
