using TorchSharp;

namespace MlpRevival.Models;

/// <summary>
/// What every model of the course is built from: an input resolution (square, 3 channels), a class
/// count, and the family's own sizes. Records, so any named config can be re-targeted with
/// <c>config with { ImageSize = 448, Classes = 10 }</c>.
/// </summary>
public abstract record ModelConfig(int ImageSize, int Classes)
{
    /// <summary>RGB input.</summary>
    public const int InChannels = 3;

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

    protected void Require(bool condition, string problem)
    {
        if (!condition) throw new ArgumentException($"{Family} config: {problem}.");
    }

    protected void RequirePatchGrid(int patch)
    {
        Require(patch > 0, $"patch size must be positive (got {patch})");
        Require(ImageSize % patch == 0,
            $"image size {ImageSize} is not divisible by patch size {patch}: the patches must tile the image " +
            $"(try {Math.Max(patch, ImageSize / patch * patch)} or {(ImageSize / patch + 1) * patch})");
    }

    protected static string List(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";
}

/// <summary>
/// The seeds' traditional MLP: flatten the H×W×3 image into one vector, then fully-connected layers
/// with ReLU, then a linear classifier.
/// </summary>
public sealed record FlattenMlpConfig(int ImageSize, IReadOnlyList<int> Hidden, int Classes) : ModelConfig(ImageSize, Classes)
{
    public override string Family => "flatten-MLP";
    public long InputDim => (long)ImageSize * ImageSize * InChannels;

    public override void Validate()
    {
        base.Validate();
        Require(Hidden.Count > 0 && Hidden.All(h => h > 0), $"hidden widths must be positive (got {List(Hidden)})");
    }

    public override string ToString() => $"FlattenMlpConfig {{ ImageSize = {ImageSize}, Hidden = {List(Hidden)}, Classes = {Classes} }}";
}

/// <summary>
/// The seeds' plain CNNs: per stage a 3×3 convolution (padding 1) → ReLU → 2×2 max-pool, then one
/// linear classifier on the flattened feature map. Widths [64, 128] is the seed's SimpleCNN,
/// [64, 128, 256, 512] its 4-stage PyramidalCNN. The classifier's input size follows the resolution
/// (the seed hard-codes it for 224²).
/// </summary>
public sealed record CnnConfig(int ImageSize, IReadOnlyList<int> Widths, int Classes) : ModelConfig(ImageSize, Classes)
{
    public override string Family => "CNN";
    public int FinalSize => ImageSize >> Widths.Count;

    public override void Validate()
    {
        base.Validate();
        Require(Widths.Count > 0 && Widths.All(w => w > 0), $"stage widths must be positive (got {List(Widths)})");
        Require(ImageSize % (1 << Widths.Count) == 0,
            $"image size {ImageSize} must be divisible by 2^{Widths.Count} = {1 << Widths.Count} ({Widths.Count} stages each halve it)");
    }

    public override string ToString() => $"CnnConfig {{ ImageSize = {ImageSize}, Widths = {List(Widths)}, Classes = {Classes} }}";
}

/// <summary>
/// A CIFAR ResNet (He et al. 2016, §4.2): 3×3 stem, then stages of BasicBlocks (two 3×3 conv + BN,
/// identity shortcut; a 1×1 conv + BN projection where the shape changes), stride 2 at the start of
/// every stage but the first, global average pooling, linear head. Depth = 6·BlocksPerStage + 2.
/// </summary>
public sealed record ResNetConfig(int ImageSize, int BlocksPerStage, IReadOnlyList<int> Widths, int Classes) : ModelConfig(ImageSize, Classes)
{
    public override string Family => "ResNet";
    public int Depth => 2 * BlocksPerStage * Widths.Count + 2;

    public override void Validate()
    {
        base.Validate();
        Require(BlocksPerStage > 0, $"blocks per stage must be positive (got {BlocksPerStage})");
        Require(Widths.Count > 0 && Widths.All(w => w > 0), $"stage widths must be positive (got {List(Widths)})");
        Require(ImageSize % (1 << (Widths.Count - 1)) == 0,
            $"image size {ImageSize} must be divisible by {1 << (Widths.Count - 1)} ({Widths.Count - 1} stride-2 stages)");
    }

    public override string ToString() => $"ResNetConfig {{ ImageSize = {ImageSize}, BlocksPerStage = {BlocksPerStage}, Widths = {List(Widths)}, Classes = {Classes} }}";
}

/// <summary>
/// MLP-Mixer (Tolstikhin et al. 2021, Table 1): patch size, number of layers, hidden size C,
/// token-mixing MLP width D_S, channel-mixing MLP width D_C.
/// </summary>
public sealed record MixerConfig(int ImageSize, int Patch, int Layers, int Hidden, int TokenHidden, int ChannelHidden, int Classes)
    : ModelConfig(ImageSize, Classes)
{
    public override string Family => "MLP-Mixer";

    /// <summary>S, the number of patches (tokens).</summary>
    public int Tokens => (ImageSize / Patch) * (ImageSize / Patch);

    public override void Validate()
    {
        base.Validate();
        RequirePatchGrid(Patch);
        Require(Layers > 0 && Hidden > 0 && TokenHidden > 0 && ChannelHidden > 0,
            $"layers, C, D_S and D_C must be positive (got {Layers}, {Hidden}, {TokenHidden}, {ChannelHidden})");
    }
}

/// <summary>
/// gMLP (Liu et al. 2021) in timm's image-classifier form: patch stem, blocks of
/// norm → U (d_model → d_ffn) → GELU → spatial gating unit → V (d_ffn/2 → d_model) + residual,
/// final norm, global average pooling, linear head. <see cref="Heads"/> &gt; 1 splits the gate's
/// channels among heads with their own n×n spatial weights. <see cref="AttentionDim"/> &gt; 0 makes
/// it aMLP (§4.3): a tiny single-head attention of that width is added to the gate.
/// </summary>
public sealed record GmlpConfig(int ImageSize, int Patch, int Layers, int Hidden, int Ffn, int Classes, int Heads = 1, int AttentionDim = 0)
    : ModelConfig(ImageSize, Classes)
{
    public override string Family => AttentionDim > 0 ? "aMLP" : "gMLP";

    public int Tokens => (ImageSize / Patch) * (ImageSize / Patch);

    /// <summary>Channels of the gate half (and of the SGU's output): d_ffn / 2.</summary>
    public int GateChannels => Ffn / 2;

    public override void Validate()
    {
        base.Validate();
        RequirePatchGrid(Patch);
        Require(Layers > 0 && Hidden > 0 && Ffn > 0, $"layers, d_model and d_ffn must be positive (got {Layers}, {Hidden}, {Ffn})");
        Require(Ffn % 2 == 0, $"d_ffn = {Ffn} is odd: the spatial gating unit splits the channels into two halves");
        Require(Heads > 0, $"the number of gate heads must be positive (got {Heads})");
        Require(GateChannels % Heads == 0, $"{Heads} heads do not divide the gate's {GateChannels} channels (d_ffn/2)");
        Require(AttentionDim >= 0, $"the tiny attention's width must be 0 (none) or positive (got {AttentionDim})");
    }
}

/// <summary>
/// The gMLP seed article's CIFAR-10 classifier (Image_Classification over gMLP_Vision), sizes as
/// there: patch 8 on 32² → 16 patches + a CLS token = 17 tokens, learned position embedding,
/// dropout 0.1, 3 blocks of d_model 512 and d_ffn 2048 (= 4·d_model), a GELU after both channel
/// projections, final norm, the CLS output, head d_model → 256 → GELU → classes.
/// </summary>
public sealed record SeedGmlpConfig(int ImageSize, int Patch, int Layers, int Hidden, int Ffn, int FcHidden, int Classes)
    : ModelConfig(ImageSize, Classes)
{
    public override string Family => "gMLP (seed)";

    /// <summary>Patches plus the CLS token.</summary>
    public int Tokens => (ImageSize / Patch) * (ImageSize / Patch) + 1;

    public override void Validate()
    {
        base.Validate();
        RequirePatchGrid(Patch);
        Require(Layers > 0 && Hidden > 0 && Ffn > 0 && FcHidden > 0, "layers, d_model, d_ffn and the head width must be positive");
        Require(Ffn % 2 == 0, $"d_ffn = {Ffn} is odd: the spatial gating unit splits the channels into two halves");
    }
}

/// <summary>
/// A small Vision Transformer (Dosovitskiy et al. 2021): patch stem, optional CLS token, optional
/// learned position embedding, pre-LN blocks of multi-head self-attention and an MLP, final norm,
/// CLS output (or global average pooling without CLS), linear head. Without the position embedding
/// the blocks are permutation-equivariant — the course's contrast with token-mixing.
/// </summary>
public sealed record VitConfig(int ImageSize, int Patch, int Layers, int Hidden, int Heads, int MlpHidden, int Classes,
    bool ClsToken = true, bool PositionEmbedding = true) : ModelConfig(ImageSize, Classes)
{
    public override string Family => "ViT";

    public int Patches => (ImageSize / Patch) * (ImageSize / Patch);
    public int Tokens => Patches + (ClsToken ? 1 : 0);

    public override void Validate()
    {
        base.Validate();
        RequirePatchGrid(Patch);
        Require(Layers > 0 && Hidden > 0 && Heads > 0 && MlpHidden > 0, "layers, width, heads and MLP width must be positive");
        Require(Hidden % Heads == 0, $"{Heads} heads do not divide the width {Hidden}");
    }
}

/// <summary>A named configuration of the course, with a one-line description and where its sizes come from.</summary>
public sealed record ZooEntry(string Name, ModelConfig Config, string Description);

/// <summary>
/// Every named model of the course. The 224² ImageNet configs follow timm's names and sizes
/// (mixer_s32_224 … gmlp_b16_224 in timm/models/mlp_mixer.py; Mixer-H/14 from the paper's Table 1,
/// not in timm); the CIFAR-10 configs are the course's own, small enough to train on a 2–4 core CPU
/// in minutes (≈1M parameters, tens of MMACs per 32² image — see each comment).
/// </summary>
public static class ModelZoo
{
    static readonly ZooEntry[] entries =
    [
        // MLP-Mixer, Table 1 of the paper: (patch, layers, C, D_S, D_C). 224², 1000 classes, as timm.
        new("mixer-s32", new MixerConfig(224, 32, 8, 512, 256, 2048, 1000), "Mixer-S/32 (timm mixer_s32_224)"),
        new("mixer-s16", new MixerConfig(224, 16, 8, 512, 256, 2048, 1000), "Mixer-S/16 (timm mixer_s16_224)"),
        new("mixer-b32", new MixerConfig(224, 32, 12, 768, 384, 3072, 1000), "Mixer-B/32 (timm mixer_b32_224)"),
        new("mixer-b16", new MixerConfig(224, 16, 12, 768, 384, 3072, 1000), "Mixer-B/16 (timm mixer_b16_224)"),
        new("mixer-l32", new MixerConfig(224, 32, 24, 1024, 512, 4096, 1000), "Mixer-L/32 (timm mixer_l32_224)"),
        new("mixer-l16", new MixerConfig(224, 16, 24, 1024, 512, 4096, 1000), "Mixer-L/16 (timm mixer_l16_224)"),
        new("mixer-h14", new MixerConfig(224, 14, 32, 1280, 640, 5120, 1000), "Mixer-H/14 (paper Table 1; not in timm)"),

        // gMLP, the paper's ImageNet models: 30 blocks, d_ffn = 6·d_model, patch 16 (timm gmlp_*16_224).
        new("gmlp-ti16", new GmlpConfig(224, 16, 30, 128, 768, 1000), "gMLP-Ti/16 (timm gmlp_ti16_224)"),
        new("gmlp-s16", new GmlpConfig(224, 16, 30, 256, 1536, 1000), "gMLP-S/16 (timm gmlp_s16_224)"),
        new("gmlp-b16", new GmlpConfig(224, 16, 30, 512, 3072, 1000), "gMLP-B/16 (timm gmlp_b16_224)"),

        // The seeds' flatten-MLP at 224²: the first layer is the seeds' cost example (150528 → 1024);
        // a second hidden layer of 1024 as in the seed's TraditionalFlattenMLP, then 1000 classes.
        new("flatten-mlp-224", new FlattenMlpConfig(224, [1024, 1024], 1000), "flatten-MLP 150528 → 1024 → 1024 → 1000 (seed)"),
        // The seed's IsotropicMLP: every hidden layer 2048 wide (the "isotropic" side of its shape table).
        new("flatten-mlp-isotropic-224", new FlattenMlpConfig(224, [2048, 2048, 2048, 2048], 1000), "flatten-MLP 150528 → 4×2048 → 1000 (seed IsotropicMLP)"),
        // The seeds' CNNs as written (224², 1000 classes; the classifiers flatten 56² and 14² maps).
        new("cnn-simple-224", CnnConfig224(64, 128), "seed SimpleCNN: 2 × (conv3×3 → ReLU → maxpool), linear on 128·56²"),
        new("cnn-pyramidal-224", CnnConfig224(64, 128, 256, 512), "seed PyramidalCNN: 4 stages 64→512 channels, 224² → 14²"),

        // ---- CIFAR-10 (32², 10 classes) ----
        // The seed article's gMLP classifier, sizes as in its code (≈5M parameters, not small).
        new("gmlp-seed-cifar", new SeedGmlpConfig(32, 8, 3, 512, 2048, 256, 10), "seed gMLP classifier: patch 8 + CLS, 3 blocks 512/2048, head 256"),
        // Mixer with the paper's ratios (D_S = C/2, D_C = 4C) at C = 128; patch 4 → 64 tokens; 6 layers.
        // ≈0.85M params, ≈57M MACs: 6 layers is a Mixer deep enough to learn from shuffled images.
        new("mixer-cifar", new MixerConfig(32, 4, 6, 128, 64, 512, 10), "Mixer patch 4 (64 tokens), 6 layers, C 128, D_S 64, D_C 512"),
        // gMLP with the paper's d_ffn = 6·d_model at d_model 128; patch 4 → 64 tokens; 6 blocks; 4 gate
        // heads (each its own 64×64 spatial weights) for the per-head heatmaps. ≈0.99M params, ≈66M MACs.
        new("gmlp-cifar", new GmlpConfig(32, 4, 6, 128, 768, 10, Heads: 4), "gMLP patch 4, 6 blocks, d_model 128, d_ffn 768, 4 gate heads"),
        // gmlp-cifar plus the paper's tiny attention (one head, d_attn 64) on every block.
        new("amlp-cifar", new GmlpConfig(32, 4, 6, 128, 768, 10, Heads: 4, AttentionDim: 64), "aMLP: gmlp-cifar + tiny attention (d_attn 64)"),
        // ResNet-20 of He et al. §4.2 (3 stages × 3 BasicBlocks, 16/32/64 channels), ≈0.27M params, ≈41M MACs.
        new("resnet-cifar", new ResNetConfig(32, 3, [16, 32, 64], 10), "ResNet-20 (He et al. 2016 CIFAR): 16/32/64 channels, 3 blocks per stage"),
        // A tiny ViT: patch 4 → 64 patches + CLS, width 128, 6 blocks, 4 heads, MLP 256. ≈0.81M params, ≈58M MACs.
        new("vit-cifar", new VitConfig(32, 4, 6, 128, 4, 256, 10), "tiny ViT patch 4 + CLS, 6 blocks, width 128, 4 heads, MLP 256"),
        // The flatten-MLP at 32²: 3072 → 256 → 256 → 10, ≈0.86M params (a CIFAR MLP of the CNNs' size).
        new("flatten-mlp-32", new FlattenMlpConfig(32, [256, 256], 10), "flatten-MLP 3072 → 256 → 256 → 10"),
        // The seeds' CNNs at 32²: same convolutions, classifier on 128·8² / 512·2².
        new("cnn-simple-32", new CnnConfig(32, [64, 128], 10), "seed SimpleCNN at 32²: classifier on 128·8²"),
        new("cnn-pyramidal-32", new CnnConfig(32, [64, 128, 256, 512], 10), "seed PyramidalCNN at 32²: 32² → 2², classifier on 512·2²"),
    ];

    static CnnConfig CnnConfig224(params int[] widths) => new(224, widths, 1000);

    /// <summary>Every named config, in the order <c>course cost --list</c> shows them.</summary>
    public static IReadOnlyList<ZooEntry> Entries => entries;

    /// <summary>The names of every config.</summary>
    public static IReadOnlyList<string> Names { get; } = entries.Select(e => e.Name).ToArray();

    /// <summary>The named config. Unknown names throw, listing the valid ones.</summary>
    public static ModelConfig Get(string name) => Entry(name).Config;

    /// <summary>The named entry (config and description). Unknown names throw, listing the valid ones.</summary>
    public static ZooEntry Entry(string name) =>
        entries.FirstOrDefault(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model config '{name}'. Valid names: {string.Join(", ", Names)}.");

    /// <summary>The registry name of a config, if it is one of the named ones unchanged.</summary>
    public static string? NameOf(ModelConfig config) => entries.FirstOrDefault(e => e.Config.Equals(config) || e.Config.ToString() == config.ToString())?.Name;

    /// <summary>
    /// Builds the model of a config, deterministically: every initial weight is drawn from a private
    /// generator seeded with <paramref name="seed"/> (TorchSharp's global generator is neither used for
    /// them nor reseeded), on the CPU, then the model moves to <paramref name="device"/> (default: CPU).
    /// The same seed gives the same weights on every device and whatever else runs in the process.
    /// </summary>
    public static StagedModel Build(ModelConfig config, long seed = 0, TorchSharp.torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var generator = new torch.Generator(unchecked((ulong)seed), torch.CPU);
        StagedModel model = config switch
        {
            MixerConfig c => new MixerClassifier(c, generator),
            GmlpConfig c => new GmlpClassifier(c, generator),
            SeedGmlpConfig c => new SeedGmlpClassifier(c, generator),
            VitConfig c => new VitClassifier(c, generator),
            FlattenMlpConfig c => new FlattenMlp(c, generator),
            CnnConfig c => new Cnn(c, generator),
            ResNetConfig c => new ResNet(c, generator),
            _ => throw new ArgumentException($"No model for config type {config.GetType().Name}.", nameof(config)),
        };
        if (device is not null && device.type != TorchSharp.DeviceType.CPU) model.to(device);
        return model;
    }

    /// <summary>Builds a named config (optionally at another resolution / class count).</summary>
    public static StagedModel Build(string name, long seed = 0, TorchSharp.torch.Device? device = null, int? imageSize = null, int? classes = null)
    {
        var config = Get(name);
        config = config.At(imageSize ?? config.ImageSize, classes ?? config.Classes);
        return Build(config, seed, device);
    }
}
