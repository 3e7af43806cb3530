namespace MlpRevival.Tests.Models;

/// <summary>
/// Numbers obtained independently of this repository's code, and where each came from. Never
/// copy a number from our own C# output into this file.
/// </summary>
/// <remarks>
/// Sources:
/// <list type="number">
/// <item><b>PyTorch transcription</b>: timm's <c>timm/models/mlp_mixer.py</c> (huggingface/pytorch-image-models,
/// commit 03fa149147b1695dc7ebce06737623d39b7dd34f: MixerBlock, SpatialGatingUnit, SpatialGatingBlock,
/// MlpMixer with its PatchEmbed stem, norm and head) and <c>timm/layers/mlp.py</c> (Mlp, GatedMlp),
/// transcribed into a PyTorch 1.13 script (Debian python3-torch) and counted with
/// <c>sum(p.numel() for p in model.parameters())</c>; the same script transcribes the gMLP seed article's
/// <c>Image_Classification()</c> (default arguments) and counts its MACs with forward hooks on nn.Linear,
/// nn.Conv2d and the seed SGU's einsum (our MAC convention: out.numel()·in_features, out.numel()·in/groups·k², n²·channels).</item>
/// <item><b>timm published</b>: timm's benchmark table
/// <c>results/benchmark-infer-amp-nchw-pt240-cu124-rtx4090.csv</c> (same repository, commit
/// 5c33776aa59f0f05bfb8008ff546ed4c09083f1a), columns <c>param_count</c> (millions, 2 decimals) and
/// <c>infer_gmacs</c> (GMACs at 224², 2 decimals). The model card of mixer_b16_224.goog_in21k_ft_in1k on
/// the Hugging Face hub states the same rounded: "Params (M): 59.9, GMACs: 12.6".</item>
/// <item><b>Mixer paper</b>: Tolstikhin et al. 2021, Table 1/2 — Mixer-H/14 "431M" parameters (timm has no H/14).</item>
/// </list>
/// </remarks>
static class ReferenceNumbers
{
    /// <param name="Name">our registry name</param>
    /// <param name="TimmName">timm's model name</param>
    /// <param name="TorchParams">PyTorch transcription of timm, exact count (source 1)</param>
    /// <param name="PublishedParamsM">timm published param_count, millions (source 2)</param>
    /// <param name="PublishedGmacs">timm published infer_gmacs at 224² (source 2)</param>
    public sealed record TimmModel(string Name, string TimmName, long TorchParams, double PublishedParamsM, double PublishedGmacs);

    public static readonly TimmModel[] Timm =
    [
        new("mixer-s32", "mixer_s32_224", 19_104_624, 19.10, 1.00),
        new("mixer-s16", "mixer_s16_224", 18_528_264, 18.53, 3.79),
        new("mixer-b32", "mixer_b32_224", 60_293_428, 60.29, 3.24),
        new("mixer-b16", "mixer_b16_224", 59_880_472, 59.88, 12.62),
        new("mixer-l32", "mixer_l32_224", 206_939_264, 206.94, 11.27),
        new("mixer-l16", "mixer_l16_224", 208_196_168, 208.20, 44.60),
        new("gmlp-ti16", "gmlp_ti16_224", 5_867_328, 5.87, 1.34),
        new("gmlp-s16", "gmlp_s16_224", 19_422_656, 19.42, 4.42),
        new("gmlp-b16", "gmlp_b16_224", 73_075_392, 73.08, 15.78),
    ];

    /// <summary>Mixer-H/14 with timm's blocks and the paper's Table 1 sizes (patch 14, 32 layers, C 1280, D_S 640, D_C 5120), PyTorch transcription (source 1).</summary>
    public const long MixerH14TorchParams = 432_350_952;

    /// <summary>The Mixer paper's rounded parameter count for Mixer-H/14 (source 3).</summary>
    public const double MixerH14PaperParamsM = 431;

    /// <summary>The gMLP seed's Image_Classification(): exact parameter count (source 1).</summary>
    public const long SeedGmlpTorchParams = 4_979_360;

    /// <summary>The gMLP seed's Image_Classification(): MACs for one 32² image by PyTorch forward hooks, our convention (source 1).</summary>
    public const long SeedGmlpTorchMacs = 82_810_368;

    /// <summary>
    /// Course configs built with timm's own classes (source 1): MlpMixer(num_classes=10, img_size=32, patch_size=4,
    /// num_blocks=6, embed_dim=128) — our mixer-cifar — and the same with mlp_ratio=6, SpatialGatingBlock,
    /// GatedMlp — our gmlp-cifar with a single gate head. Parameters and forward-hook MACs per 32² image.
    /// </summary>
    public static readonly (string Description, long Params, long Macs) TimmMixerCifar = ("timm MlpMixer 32²/4, 6×128", 851_082, 57_017_600);
    public static readonly (string Description, long Params, long Macs) TimmGmlpCifarOneHead = ("timm gMLP 32²/4, 6×128, ratio 6", 929_034, 66_454_784);

    /// <summary>MACs for one 224² image by PyTorch forward hooks on the timm transcription (nn.Linear incl. timm's SGU proj, nn.Conv2d) (source 1).</summary>
    public static readonly (string Name, long Macs)[] TorchHookMacs =
    [
        ("mixer-s32", 1_002_426_368),
        ("gmlp-ti16", 1_328_989_184),
    ];
}
