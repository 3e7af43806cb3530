using System.Globalization;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// A model family's config: its sizes, how it builds (<see cref="Build"/>) and what it costs
/// (<see cref="CostRows"/>, read through <see cref="Cost.Of(ModelConfig)"/>). A family is one file
/// holding its config record, its modules and these two methods; the zoo (<see cref="ModelZoo"/>) lists
/// named configs, and everything else — <c>course cost</c>, <c>course train</c>, <c>course bench</c>,
/// the notebooks — reaches a family only through this class.
/// </summary>
/// <remarks>
/// The sizes are named, with one vocabulary across families (timm's, in C# casing):
/// <see cref="ImageSize"/>, <see cref="Classes"/>; for patch models <see cref="PatchConfig.PatchSize"/>,
/// <see cref="PatchConfig.Blocks"/>, <see cref="PatchConfig.EmbedDim"/> (the width C / d_model of the
/// token table), <c>TokenHidden</c> (the token MLP's hidden width, Mixer's D_S) and <c>ChannelHidden</c>
/// (the per-token MLP's hidden width: Mixer's D_C, gMLP's d_ffn, ViT's MLP width); <c>Widths</c> for the
/// per-layer widths of the pyramidal and flatten models. Records, so any config can be re-targeted:
/// <c>config with { ImageSize = 448, Classes = 10 }</c>.
/// </remarks>
public abstract record ModelConfig
{
    /// <summary>RGB input.</summary>
    public const int InChannels = 3;

    /// <summary>Input resolution, square (timm's img_size; 224 unless set).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Output classes (timm's num_classes; 1000 unless set).</summary>
    public int Classes { get; init; } = 1000;

    /// <summary>The architecture family, as the papers name it.</summary>
    public abstract string Family { get; }

    /// <summary>Throws <see cref="ArgumentException"/> saying what is impossible about this config.</summary>
    public virtual void Validate()
    {
        Require(ImageSize > 0, $"image size must be positive (got {ImageSize})");
        Require(Classes > 0, $"the class count must be positive (got {Classes})");
    }

    /// <summary>The same config at another resolution and class count.</summary>
    public ModelConfig At(int imageSize, int classes) => this with { ImageSize = imageSize, Classes = classes };

    /// <summary>
    /// Builds the model, deterministically: every initial weight is drawn from a private generator
    /// seeded with <paramref name="seed"/> (TorchSharp's global generator is neither used for them nor
    /// reseeded), on the CPU, then the model moves to <paramref name="device"/> (default: CPU). The same
    /// seed gives the same weights on every device and whatever else runs in the process. Invalid
    /// configs throw <see cref="ArgumentException"/>.
    /// </summary>
    public abstract StagedModel Build(long seed = 0, Device? device = null);

    /// <summary>
    /// The closed-form cost of one image's forward pass, one row per stage of the built model (same
    /// names). Called by <see cref="Cost.Of(ModelConfig)"/> on a validated config.
    /// </summary>
    protected internal abstract IEnumerable<CostRow> CostRows();

    /// <summary>What every <see cref="Build"/> shares: validate, draw from a seeded private generator, move.</summary>
    protected TModel Built<TModel>(long seed, Device? device, Func<Generator, TModel> create) where TModel : StagedModel
    {
        Validate();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var model = create(generator);
        if (device is not null && device.type != DeviceType.CPU) model.to(device);
        return model;
    }

    /// <summary>
    /// The config's named arguments, as timm's <c>@register_model</c> functions pass them: every size
    /// this record can be given (<c>init</c> properties), base sizes first, in declaration order.
    /// </summary>
    public IReadOnlyList<(string Name, object? Value)> Arguments =>
        [.. GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .OrderBy(p => Depth(p.DeclaringType!)).ThenBy(p => p.MetadataToken)
            .Select(p => (p.Name, p.GetValue(this)))];

    /// <summary><c>MixerConfig { ImageSize = 224, Classes = 1000, PatchSize = 16, … }</c>: the named arguments, lists written out.</summary>
    public sealed override string ToString() =>
        $"{GetType().Name} {{ {string.Join(", ", Arguments.Select(a => $"{a.Name} = {Format(a.Value)}"))} }}";

    protected void Require(bool condition, string problem)
    {
        if (!condition) throw new ArgumentException($"{Family} config: {problem}.");
    }

    protected static string List(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";

    static int Depth(Type type) => type.BaseType is null ? 0 : 1 + Depth(type.BaseType);

    static string Format(object? value) => value switch
    {
        IEnumerable<int> list => List(list),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };
}

/// <summary>
/// A model that cuts the image into non-overlapping patches and works on the table of their embeddings
/// (ViT, MLP-Mixer, gMLP and the seed's gMLP): patch size, number of blocks, and the table's width.
/// The token count is computed here, once, for every such family.
/// </summary>
public abstract record PatchConfig : ModelConfig
{
    /// <summary>P: the side of a square patch (timm's patch_size).</summary>
    public required int PatchSize { get; init; }

    /// <summary>How many blocks (Mixer layers, gMLP blocks, Transformer blocks) the trunk stacks (timm's num_blocks).</summary>
    public required int Blocks { get; init; }

    /// <summary>The width of the token table (timm's embed_dim; Mixer's hidden size C, gMLP's d_model).</summary>
    public required int EmbedDim { get; init; }

    /// <summary>Patches along a side: H / P.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>(H / P)², the number of patches.</summary>
    public int Patches => GridSize * GridSize;

    /// <summary>S (n): rows of the token table the blocks see — the patches, plus a CLS token where there is one.</summary>
    public virtual int Tokens => Patches;

    public override void Validate()
    {
        base.Validate();
        Require(PatchSize > 0, $"patch size must be positive (got {PatchSize})");
        Require(ImageSize % PatchSize == 0,
            $"image size {ImageSize} is not divisible by patch size {PatchSize}: the patches must tile the image " +
            $"(try {Math.Max(PatchSize, ImageSize / PatchSize * PatchSize)} or {(ImageSize / PatchSize + 1) * PatchSize})");
        Require(Blocks > 0, $"the number of blocks must be positive (got {Blocks})");
        Require(EmbedDim > 0, $"the embedding width must be positive (got {EmbedDim})");
    }

    /// <summary>The patch stem: a P×P, stride-P convolution 3 → <see cref="EmbedDim"/> (see <see cref="PatchEmbedding"/>).</summary>
    protected PatchEmbedding NewStem(string name = "stem") => new(InChannels, EmbedDim, PatchSize, name);

    /// <summary>The stem's cost row, named like the built stage.</summary>
    protected CostRow StemCost(string name = "stem") => Cost.PatchEmbedding(ImageSize, PatchSize, EmbedDim, name);
}
