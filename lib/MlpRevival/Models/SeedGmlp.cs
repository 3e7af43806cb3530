using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The gMLP seed article's CIFAR-10 classifier (Image_Classification over gMLP_Vision), sizes as
/// there: patch 8 on 32² → 16 patches + a CLS token = 17 tokens, learned position embedding,
/// dropout 0.1, 3 blocks of d_model 512 and d_ffn 2048 (= 4·d_model), a GELU after both channel
/// projections, final norm, the CLS output, head d_model → 256 → GELU → classes.
/// </summary>
public sealed record SeedGmlpConfig : PatchConfig
{
    /// <summary>d_ffn: the width U projects each token to; the SGU gates half of it.</summary>
    public required int ChannelHidden { get; init; }

    /// <summary>The head's hidden width (the seed's fc_1: d_model → 256).</summary>
    public required int HeadHidden { get; init; }

    public override string Family => "gMLP (seed)";

    /// <summary>Patches plus the CLS token.</summary>
    public override int Tokens => Patches + 1;

    public override void Validate()
    {
        base.Validate();
        Require(ChannelHidden > 0 && HeadHidden > 0, "d_ffn and the head width must be positive");
        Require(ChannelHidden % 2 == 0, $"d_ffn = {ChannelHidden} is odd: the spatial gating unit splits the channels into two halves");
    }

    public override SeedGmlpClassifier Build(long seed = 0, Device? device = null) => Built(seed, device, g => new SeedGmlpClassifier(this, g));

    protected internal override IEnumerable<CostRow> CostRows()
    {
        long n = Tokens, d = EmbedDim;
        yield return StemCost("patch_embed");
        yield return CostRow.Group("tokens", [n, d],
            new CostRow("cls token", [1, d], d, 0),
            new CostRow("position embedding", [n, d], n * d, 0));
        for (int i = 1; i <= Blocks; i++)
            yield return CostRow.Group($"block {i}", [n, d],          // the seed's block: same layers as gMLP's, GELU after V too
                Cost.LayerNorm(d, n),
                Cost.Linear(d, ChannelHidden, n, name: "channel_proj_U"),
                Cost.SpatialGatingUnit(n, ChannelHidden),
                Cost.Linear(ChannelHidden / 2, d, n, name: "channel_proj_V"));
        yield return Cost.LayerNorm(d, n);
        yield return new CostRow("cls", [d], 0, 0);
        yield return Cost.Linear(d, HeadHidden, name: "fc_1");
        yield return Cost.Linear(HeadHidden, Classes, name: "head");
    }
}

/// <summary>
/// The seed article's gMLPBlock: LayerNorm → channel_proj_U (Linear + GELU) → SGU →
/// channel_proj_V (Linear + GELU) → + residual. Unlike the paper and timm, V is followed by a GELU;
/// the SGU weights start U(−0.05, 0.05) rather than ≈0 (bias 1 as in the paper). LayerNorms use
/// PyTorch's default eps 1e-5.
/// </summary>
public sealed class SeedGmlpBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly Linear channel_proj_U;
    readonly SpatialGatingUnit sgu;
    readonly Linear channel_proj_V;

    public SeedGmlpBlock(long dModel, long dFfn, long seqLen, string name = "gmlp_block") : base(name)
    {
        norm = nn.LayerNorm(dModel);
        channel_proj_U = nn.Linear(dModel, dFfn);
        sgu = new SpatialGatingUnit(dFfn, seqLen, heads: 1, uniformRange: 0.05);
        channel_proj_V = nn.Linear(dFfn / 2, dModel);
        RegisterComponents();
    }

    /// <summary>The pre-norm (eps 1e-5, PyTorch's default, as the seed leaves it).</summary>
    public LayerNorm Norm => norm;

    /// <summary>U: d_model → d_ffn.</summary>
    public Linear ChannelProjU => channel_proj_U;

    public SpatialGatingUnit Sgu => sgu;

    /// <summary>V: d_ffn/2 → d_model, followed in the seed by a GELU that timm and the paper do not have.</summary>
    public Linear ChannelProjV => channel_proj_V;

    public override Tensor forward(Tensor x)
    {
        using var n = norm.forward(x);
        using var u = channel_proj_U.forward(n);
        using var z = nn.functional.gelu(u);
        using var gated = sgu.forward(z);
        using var v = channel_proj_V.forward(gated);
        using var y = nn.functional.gelu(v);
        return y + x;
    }
}

/// <summary>
/// The seed article's image classifier (its <c>Image_Classification</c> wrapping <c>gMLP_Vision</c>),
/// faithful to the PyTorch code: patch embedding (conv, stride = patch) → prepend a CLS token → add a
/// learned position embedding → dropout 0.1 → gMLP blocks → LayerNorm → CLS output →
/// fc_1 (d_model → 256) → GELU → head. PyTorch's default initialisation (TorchSharp's is the same);
/// CLS token and position embedding start at zero, as in the seed.
/// </summary>
public sealed class SeedGmlpClassifier : StagedModel
{
    readonly PatchEmbedding patch_embed;
    Parameter cls_token;
    Parameter pos_embed;
    readonly Dropout pos_drop;
    readonly ModuleList<SeedGmlpBlock> blocks;
    readonly LayerNorm norm;
    readonly Linear fc_1;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public SeedGmlpClassifier(SeedGmlpConfig config, Generator? generator = null) : base("SeedGmlpClassifier")
    {
        config.Validate();
        Config = config;
        patch_embed = new PatchEmbedding(ModelConfig.InChannels, config.EmbedDim, config.PatchSize);
        cls_token = nn.Parameter(zeros(1, 1, config.EmbedDim));
        pos_embed = nn.Parameter(zeros(1, config.Tokens, config.EmbedDim));
        pos_drop = nn.Dropout(0.1);
        blocks = new ModuleList<SeedGmlpBlock>();
        for (int i = 0; i < config.Blocks; i++) blocks.Add(new SeedGmlpBlock(config.EmbedDim, config.ChannelHidden, config.Tokens));
        norm = nn.LayerNorm(config.EmbedDim);
        fc_1 = nn.Linear(config.EmbedDim, config.HeadHidden);
        head = nn.Linear(config.HeadHidden, config.Classes);
        RegisterComponents();
        InitWeights(generator);
    }

    /// <summary>
    /// The seed's init, as its PyTorch code gets it: every layer's PyTorch default (drawn at construction
    /// there, re-drawn here from the model's generator), then its SGUs' W ~ U(−0.05, 0.05), b = 1.
    /// CLS token and position embedding stay zero.
    /// </summary>
    void InitWeights(Generator? generator)
    {
        Init.TorchDefaults(this, generator);
        foreach (var block in blocks) block.Sgu.SpatialProjection.InitWeights(generator);
    }

    public SeedGmlpConfig Config { get; }
    public IReadOnlyList<SeedGmlpBlock> Blocks => [.. blocks];

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Step("patch_embed", patch_embed);
        yield return new Stage("tokens", AddClsAndPosition, () => cls_token.numel() + pos_embed.numel());
        for (int i = 0; i < blocks.Count; i++) yield return Step($"block {i + 1}", blocks[i]);
        yield return Step("norm", norm);
        yield return Op("cls", x => x.select(1, 0));           // the CLS token's row
        yield return Step("fc_1", fc_1, y => nn.functional.gelu(y));
        yield return Step("head", head);
    }

    Tensor AddClsAndPosition(Tensor patches)                        // [B, S, C] → [B, S + 1, C]
    {
        using var cls = cls_token.expand(patches.shape[0], -1, -1);
        using var tokens = cat([cls, patches], 1);
        var placed = tokens + pos_embed;
        var dropped = pos_drop.forward(placed);
        if (!ReferenceEquals(dropped, placed)) placed.Dispose();
        return dropped;
    }
}
