using System.Globalization;
using Microsoft.Data.Analysis;
using MlpRevival.Models;

// Namespace MlpRevival (not MlpRevival.Cost): a namespace named like the class would shadow `Cost.Of` inside every MlpRevival.* namespace.
namespace MlpRevival;

/// <summary>
/// The closed-form cost of one layer (or block, or stage): trainable parameters, multiply-accumulates
/// for one image (see <see cref="Cost.Convention"/>), the output shape for one image (no batch axis),
/// and, for composite rows, the parts it adds up.
/// </summary>
public sealed record CostRow(string Layer, IReadOnlyList<long> OutputShape, long Params, long Macs, IReadOnlyList<CostRow> Parts)
{
    /// <summary>A leaf: one operation.</summary>
    public CostRow(string layer, IReadOnlyList<long> outputShape, long @params, long macs)
        : this(layer, outputShape, @params, macs, []) { }

    /// <summary>A composite whose parameters and MACs are the sums of its parts.</summary>
    public static CostRow Group(string layer, IReadOnlyList<long> outputShape, params CostRow[] parts) =>
        new(layer, outputShape, parts.Sum(p => p.Params), parts.Sum(p => p.Macs), parts);

    /// <summary>This row's leaves, depth first, with dotted names ("layer 1 · token-mixing · fc1").</summary>
    public IEnumerable<CostRow> Leaves(string prefix = "")
    {
        var name = prefix.Length == 0 ? Layer : $"{prefix} · {Layer}";
        if (Parts.Count == 0) { yield return this with { Layer = name }; yield break; }
        foreach (var part in Parts)
            foreach (var leaf in part.Leaves(name)) yield return leaf;
    }

    /// <summary>"196×768"</summary>
    public string Shape => Cost.FormatShape(OutputShape);

    /// <summary>The part named <paramref name="layer"/> ("conv3×3", "shortcut conv").</summary>
    public CostRow Part(string layer) =>
        Parts.SingleOrDefault(p => p.Layer == layer)
        ?? throw new ArgumentException($"{Layer} has no part '{layer}' (parts: {string.Join(", ", Parts.Select(p => p.Layer))}).", nameof(layer));

    /// <summary>Height of an image-shaped output [C, H, W].</summary>
    public long Height => OutputShape.Count == 3 ? OutputShape[1] : throw new InvalidOperationException($"{Layer} outputs {Shape}, not [C, H, W].");

    /// <summary>Width of an image-shaped output [C, H, W].</summary>
    public long Width => OutputShape.Count == 3 ? OutputShape[2] : throw new InvalidOperationException($"{Layer} outputs {Shape}, not [C, H, W].");

    /// <summary>Channels of an image-shaped output [C, H, W].</summary>
    public long Channels => OutputShape.Count == 3 ? OutputShape[0] : throw new InvalidOperationException($"{Layer} outputs {Shape}, not [C, H, W].");
}

/// <summary>
/// The closed-form cost of a whole model for one image: one row per stage of the forward pass (the
/// same stage names as the built model's <see cref="StagedModel.Stages"/>), and the totals.
/// </summary>
public sealed record CostReport(ModelConfig Config, IReadOnlyList<CostRow> Rows)
{
    /// <summary>Total trainable parameters.</summary>
    public long Params => Rows.Sum(r => r.Params);

    /// <summary>The stage named <paramref name="layer"/> ("fc1", "stem", "layer 3", "head" …).</summary>
    public CostRow Row(string layer) =>
        Rows.SingleOrDefault(r => r.Layer == layer)
        ?? throw new ArgumentException($"{Name} has no row '{layer}' (rows: {string.Join(", ", Rows.Select(r => r.Layer))}).", nameof(layer));

    /// <summary>Total multiply-accumulates of one forward pass on one image.</summary>
    public long Macs => Rows.Sum(r => r.Macs);

    /// <summary>The blocks (Mixer's "layer i", gMLP's and ViT's "block i" stages), in order.</summary>
    public IReadOnlyList<CostRow> Blocks => Rows.Where(r => r.Layer.StartsWith("layer ", StringComparison.Ordinal)
                                                          || r.Layer.StartsWith("block ", StringComparison.Ordinal)).ToList();

    /// <summary>[3, H, W].</summary>
    public IReadOnlyList<long> InputShape => [ModelConfig.InChannels, Config.ImageSize, Config.ImageSize];

    /// <summary>The registry name when the config is a named one unchanged, else its family.</summary>
    public string Name => ModelZoo.NameOf(Config) ?? Config.Family;

    /// <summary>One row per stage: layer, output shape, params, MACs (numbers as long columns).</summary>
    public DataFrame ToDataFrame(bool leaves = false)
    {
        var rows = leaves ? Rows.SelectMany(r => r.Leaves()).ToList() : Rows.ToList();
        return new DataFrame(
            new StringDataFrameColumn("layer", rows.Select(r => r.Layer)),
            new StringDataFrameColumn("output", rows.Select(r => r.Shape)),
            new Int64DataFrameColumn("params", rows.Select(r => r.Params)),
            new Int64DataFrameColumn("MACs", rows.Select(r => r.Macs)));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} at {Config.ImageSize}², {Config.Classes} classes: {Params:N0} params ({Cost.Human(Params)}), {Macs:N0} MACs ({Cost.Human(Macs)})");
}
