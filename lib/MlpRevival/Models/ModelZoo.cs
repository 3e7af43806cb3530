using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>A named configuration of the course, with a one-line description and where its sizes come from.</summary>
public sealed record ZooEntry(string Name, ModelConfig Config, string Description);

/// <summary>
/// Every named model of the course, as timm's <c>@register_model</c> functions list theirs: a name and
/// the named arguments of its family's config (image size 224 and 1000 classes unless given). The 224²
/// ImageNet configs follow timm's names and sizes (mixer_s32_224 … gmlp_b16_224 in
/// timm/models/mlp_mixer.py; Mixer-H/14 from the paper's Table 1, not in timm); the CIFAR-10 configs are
/// the course's own, small enough to train on a 2–4 core CPU in minutes (≈1M parameters, tens of MMACs
/// per 32² image — see each comment). A new family needs one entry here and nothing else outside its file:
/// <c>course cost</c>, <c>course train</c> and <c>course bench</c> read this list.
/// </summary>
public static class ModelZoo
{
    static readonly ZooEntry[] entries =
    [
        // MLP-Mixer, Table 1 of the paper: patch, layers, C, D_S, D_C. 224², 1000 classes, as timm.
        new("mixer-s32", new MixerConfig { PatchSize = 32, Blocks = 8, EmbedDim = 512, TokenHidden = 256, ChannelHidden = 2048 },
            "Mixer-S/32 (timm mixer_s32_224)"),
        new("mixer-s16", new MixerConfig { PatchSize = 16, Blocks = 8, EmbedDim = 512, TokenHidden = 256, ChannelHidden = 2048 },
            "Mixer-S/16 (timm mixer_s16_224)"),
        new("mixer-b32", new MixerConfig { PatchSize = 32, Blocks = 12, EmbedDim = 768, TokenHidden = 384, ChannelHidden = 3072 },
            "Mixer-B/32 (timm mixer_b32_224)"),
        new("mixer-b16", new MixerConfig { PatchSize = 16, Blocks = 12, EmbedDim = 768, TokenHidden = 384, ChannelHidden = 3072 },
            "Mixer-B/16 (timm mixer_b16_224)"),
        new("mixer-l32", new MixerConfig { PatchSize = 32, Blocks = 24, EmbedDim = 1024, TokenHidden = 512, ChannelHidden = 4096 },
            "Mixer-L/32 (timm mixer_l32_224)"),
        new("mixer-l16", new MixerConfig { PatchSize = 16, Blocks = 24, EmbedDim = 1024, TokenHidden = 512, ChannelHidden = 4096 },
            "Mixer-L/16 (timm mixer_l16_224)"),
        new("mixer-h14", new MixerConfig { PatchSize = 14, Blocks = 32, EmbedDim = 1280, TokenHidden = 640, ChannelHidden = 5120 },
            "Mixer-H/14 (paper Table 1; not in timm)"),

        // gMLP, the paper's ImageNet models: 30 blocks, d_ffn = 6·d_model, patch 16 (timm gmlp_*16_224).
        new("gmlp-ti16", new GmlpConfig { PatchSize = 16, Blocks = 30, EmbedDim = 128, ChannelHidden = 768 }, "gMLP-Ti/16 (timm gmlp_ti16_224)"),
        new("gmlp-s16", new GmlpConfig { PatchSize = 16, Blocks = 30, EmbedDim = 256, ChannelHidden = 1536 }, "gMLP-S/16 (timm gmlp_s16_224)"),
        new("gmlp-b16", new GmlpConfig { PatchSize = 16, Blocks = 30, EmbedDim = 512, ChannelHidden = 3072 }, "gMLP-B/16 (timm gmlp_b16_224)"),

        // The seeds' flatten-MLP at 224²: the first layer is the seeds' cost example (150528 → 1024);
        // a second hidden layer of 1024 as in the seed's TraditionalFlattenMLP, then 1000 classes.
        new("flatten-mlp-224", new FlattenMlpConfig { Widths = [2048, 1024] }, "seed TraditionalFlattenMLP: 150528 → 2048 → 1024 → 1000"),
        // The seed's IsotropicMLP: every hidden layer 2048 wide (the "isotropic" side of its shape table).
        new("flatten-mlp-isotropic-224", new FlattenMlpConfig { Widths = [2048, 2048, 2048, 2048] },
            "flatten-MLP 150528 → 4×2048 → 1000 (seed IsotropicMLP)"),
        // The seeds' CNNs as written (224², 1000 classes; the classifiers flatten 56² and 14² maps).
        new("cnn-simple-224", new CnnConfig { Widths = [64, 128] }, "seed SimpleCNN: 2 × (conv3×3 → ReLU → maxpool), linear on 128·56²"),
        new("cnn-pyramidal-224", new CnnConfig { Widths = [64, 128, 256, 512] }, "seed PyramidalCNN: 4 stages 64→512 channels, 224² → 14²"),

        // ---- CIFAR-10 (32², 10 classes) ----
        // The seed article's gMLP classifier, sizes as in its code (≈5M parameters, not small).
        new("gmlp-seed-cifar", new SeedGmlpConfig
            {
                ImageSize = 32, Classes = 10, PatchSize = 8, Blocks = 3, EmbedDim = 512, ChannelHidden = 2048, HeadHidden = 256,
            },
            "seed gMLP classifier: patch 8 + CLS, 3 blocks 512/2048, head 256"),
        // Mixer with the paper's ratios (D_S = C/2, D_C = 4C) at C = 128; patch 4 → 64 tokens; 6 layers.
        // ≈0.85M params, ≈57M MACs: 6 layers is a Mixer deep enough to learn from shuffled images.
        new("mixer-cifar", new MixerConfig
            {
                ImageSize = 32, Classes = 10, PatchSize = 4, Blocks = 6, EmbedDim = 128, TokenHidden = 64, ChannelHidden = 512,
            },
            "Mixer patch 4 (64 tokens), 6 layers, C 128, D_S 64, D_C 512"),
        // gMLP with the paper's d_ffn = 6·d_model at d_model 128; patch 4 → 64 tokens; 6 blocks; 4 gate
        // heads (each its own 64×64 spatial weights) for the per-head heatmaps. ≈0.99M params, ≈66M MACs.
        new("gmlp-cifar", new GmlpConfig
            {
                ImageSize = 32, Classes = 10, PatchSize = 4, Blocks = 6, EmbedDim = 128, ChannelHidden = 768, Heads = 4,
            },
            "gMLP patch 4, 6 blocks, d_model 128, d_ffn 768, 4 gate heads"),
        // gmlp-cifar plus the paper's tiny attention (one head, d_attn 64) on every block.
        new("amlp-cifar", new GmlpConfig
            {
                ImageSize = 32, Classes = 10, PatchSize = 4, Blocks = 6, EmbedDim = 128, ChannelHidden = 768, Heads = 4, AttentionDim = 64,
            },
            "aMLP: gmlp-cifar + tiny attention (d_attn 64)"),
        // ResNet-20 of He et al. §4.2 (3 stages × 3 BasicBlocks, 16/32/64 channels, zero-padding shortcuts), 269,722 params (the paper's 0.27M).
        new("resnet-cifar", new ResNetConfig
            {
                ImageSize = 32, Classes = 10, BlocksPerStage = 3, Widths = [16, 32, 64], Shortcut = ResNetShortcut.ZeroPad,
            },
            "ResNet-20 (He et al. 2016 CIFAR): 16/32/64 channels, 3 blocks per stage, zero-padding shortcuts (option A)"),
        // A tiny ViT: patch 4 → 64 patches + CLS, width 128, 6 blocks, 4 heads, MLP 256. ≈0.81M params, ≈58M MACs.
        new("vit-cifar", new VitConfig { ImageSize = 32, Classes = 10, PatchSize = 4, Blocks = 6, EmbedDim = 128, Heads = 4, ChannelHidden = 256 },
            "tiny ViT patch 4 + CLS, 6 blocks, width 128, 4 heads, MLP 256"),
        // The flatten-MLP at 32²: 3072 → 256 → 256 → 10, ≈0.86M params (a CIFAR MLP of the CNNs' size).
        new("flatten-mlp-32", new FlattenMlpConfig { ImageSize = 32, Classes = 10, Widths = [256, 256] }, "flatten-MLP 3072 → 256 → 256 → 10"),
        // The seeds' CNNs at 32²: same convolutions, classifier on 128·8² / 512·2².
        new("cnn-simple-32", new CnnConfig { ImageSize = 32, Classes = 10, Widths = [64, 128] }, "seed SimpleCNN at 32²: classifier on 128·8²"),
        new("cnn-pyramidal-32", new CnnConfig { ImageSize = 32, Classes = 10, Widths = [64, 128, 256, 512] },
            "seed PyramidalCNN at 32²: 32² → 2², classifier on 512·2²"),
    ];

    /// <summary>Every named config, in the order <c>course cost --list</c> shows them.</summary>
    public static IReadOnlyList<ZooEntry> Entries => entries;

    /// <summary>The names of every config.</summary>
    public static IReadOnlyList<string> Names { get; } = entries.Select(e => e.Name).ToArray();

    /// <summary>The named config. Unknown names throw, listing the valid ones.</summary>
    public static ModelConfig Get(string name) => Entry(name).Config;

    /// <summary>The named config as its family's record, e.g. <c>ModelZoo.Get&lt;MixerConfig&gt;("mixer-b16")</c>.</summary>
    public static TConfig Get<TConfig>(string name) where TConfig : ModelConfig =>
        Get(name) as TConfig
        ?? throw new ArgumentException($"Model config '{name}' is a {Get(name).GetType().Name}, not a {typeof(TConfig).Name}.");

    /// <summary>The named entry (config and description). Unknown names throw, listing the valid ones.</summary>
    public static ZooEntry Entry(string name) =>
        entries.FirstOrDefault(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model config '{name}'. Valid names: {string.Join(", ", Names)}.");

    /// <summary>The registry name of a config, if it is one of the named ones unchanged.</summary>
    public static string? NameOf(ModelConfig config) =>
        entries.FirstOrDefault(e => e.Config.Equals(config) || e.Config.ToString() == config.ToString())?.Name;

    /// <summary>Builds the model of a config (see <see cref="ModelConfig.Build"/>).</summary>
    public static StagedModel Build(ModelConfig config, long seed = 0, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Build(seed, device);
    }

    /// <summary>Builds a named config (optionally at another resolution / class count).</summary>
    public static StagedModel Build(string name, long seed = 0, Device? device = null, int? imageSize = null, int? classes = null)
    {
        var config = Get(name);
        return Build(config.At(imageSize ?? config.ImageSize, classes ?? config.Classes), seed, device);
    }
}
