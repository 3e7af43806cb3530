using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// A small Vision Transformer (Dosovitskiy et al. 2021): patch stem, optional CLS token, optional
/// learned position embedding, pre-LN blocks of multi-head self-attention and an MLP, final norm,
/// CLS output (or global average pooling without CLS), linear head. Without the position embedding
/// the blocks are permutation-equivariant — the course's contrast with token-mixing.
/// </summary>
public sealed record VitConfig : PatchConfig
{
    /// <summary>Attention heads (timm's num_heads); they split <see cref="PatchConfig.EmbedDim"/>.</summary>
    public required int Heads { get; init; }

    /// <summary>The hidden width of each block's MLP (timm: embed_dim · mlp_ratio).</summary>
    public required int ChannelHidden { get; init; }

    /// <summary>Prepend a learned CLS token and classify from its row (else: average the tokens).</summary>
    public bool ClsToken { get; init; } = true;

    /// <summary>Add a learned position embedding to the tokens.</summary>
    public bool PositionEmbedding { get; init; } = true;

    public override string Family => "ViT";

    /// <summary>The patches, plus the CLS token if there is one.</summary>
    public override int Tokens => Patches + (ClsToken ? 1 : 0);

    public override void Validate()
    {
        base.Validate();
        Require(Heads > 0 && ChannelHidden > 0, "heads and MLP width must be positive");
        Require(EmbedDim % Heads == 0, $"{Heads} heads do not divide the width {EmbedDim}");
    }

    public override VitClassifier Build(long seed = 0, Device? device = null) => Built(seed, device, g => new VitClassifier(this, g));

    protected internal override IEnumerable<CostRow> CostRows()
    {
        long n = Tokens, d = EmbedDim;
        yield return StemCost();
        if (ClsToken || PositionEmbedding)
        {
            var parts = new List<CostRow>();
            if (ClsToken) parts.Add(new CostRow("cls token", [1, d], d, 0));
            if (PositionEmbedding) parts.Add(new CostRow("position embedding", [n, d], n * d, 0));
            yield return CostRow.Group("tokens", [n, d], [.. parts]);
        }
        for (int i = 1; i <= Blocks; i++) yield return Cost.VitBlock(n, d, ChannelHidden, $"block {i}");
        yield return Cost.LayerNorm(d, n);
        yield return new CostRow(ClsToken ? "cls" : "pool", [d], 0, 0);
        yield return Cost.Linear(d, Classes, name: "head");
    }
}

/// <summary>
/// Multi-head self-attention (Vaswani et al. 2017) as in ViT: one Linear to q, k, v for all heads,
/// softmax(q kᵀ / √d_head) v per head, heads concatenated and projected. Its token interactions are
/// computed from the input itself, so permuting the input tokens permutes the output the same way.
/// The attention's width (default: the input's) and the output's can differ from the input's: aMLP's
/// tiny attention is this module with one head of width d_attn, projected to the gate's width.
/// </summary>
public sealed class MultiHeadSelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;

    /// <param name="dim">Width of the input tokens.</param>
    /// <param name="heads">Heads; they split <paramref name="attentionDim"/>.</param>
    /// <param name="attentionDim">Width of q, k and v (0: <paramref name="dim"/>).</param>
    /// <param name="outDim">Width of the output (0: <paramref name="dim"/>).</param>
    public MultiHeadSelfAttention(long dim, long heads, long attentionDim = 0, long outDim = 0, string name = "attn") : base(name)
    {
        AttentionDim = attentionDim > 0 ? attentionDim : dim;
        if (AttentionDim % heads != 0) throw new ArgumentException($"{heads} heads do not divide the width {AttentionDim}");
        Heads = heads;
        qkv = nn.Linear(dim, 3 * AttentionDim);
        proj = nn.Linear(AttentionDim, outDim > 0 ? outDim : dim);
        RegisterComponents();
    }

    public long Heads { get; }

    /// <summary>Width of q, k and v, all heads together.</summary>
    public long AttentionDim { get; }

    public override Tensor forward(Tensor x)                       // x: [B, N, D]
    {
        long batch = x.shape[0], n = x.shape[1], a = AttentionDim, dh = a / Heads;
        using var all = qkv.forward(x);
        using var split = all.reshape(batch, n, 3, Heads, dh).permute(2, 0, 3, 1, 4);   // [3, B, h, N, dh]
        using var q = split[0];
        using var k = split[1];
        using var v = split[2];
        using var kt = k.transpose(-2, -1);
        using var scores = q.matmul(kt);                            // QKᵀ: [B, h, N, N]
        using var scaled = scores.mul(1.0 / Math.Sqrt(dh));
        using var weights = scaled.softmax(-1);
        using var mixed = weights.matmul(v);                        // AV: [B, h, N, dh]
        using var merged = mixed.transpose(1, 2).reshape(batch, n, a);
        return proj.forward(merged);
    }
}

/// <summary>A pre-LN Transformer encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)).</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly MultiHeadSelfAttention attn;
    readonly LayerNorm norm2;
    readonly MlpBlock mlp;

    public VitBlock(long dim, long heads, long channelHidden, string name = "vit_block") : base(name)
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new MultiHeadSelfAttention(dim, heads);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new MlpBlock(dim, channelHidden);
        RegisterComponents();
    }

    public MultiHeadSelfAttention Attention => attn;

    public override Tensor forward(Tensor x)
    {
        using var n1 = norm1.forward(x);
        using var a = attn.forward(n1);
        using var x1 = x + a;
        using var n2 = norm2.forward(x1);
        using var m = mlp.forward(n2);
        return x1 + m;
    }
}

/// <summary>
/// A small ViT: patch stem → [CLS token] → [+ learned position embedding] → pre-LN blocks →
/// LayerNorm → CLS row (or the mean over tokens without CLS) → linear head. timm's init (normal σ 0.02,
/// truncated at ±2σ, for Linears, position embedding and CLS token; LeCun-normal stem).
/// Built with <c>PositionEmbedding = false</c> the encoder is permutation-equivariant, and with
/// neither CLS nor position embedding the whole classifier ignores the order of its patches.
/// </summary>
public sealed class VitClassifier : StagedModel
{
    readonly PatchEmbedding stem;
    Parameter? cls_token;
    Parameter? pos_embed;
    readonly ModuleList<VitBlock> blocks;
    readonly LayerNorm norm;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public VitClassifier(VitConfig config, Generator? generator = null) : base("VitClassifier")
    {
        config.Validate();
        Config = config;
        stem = new PatchEmbedding(ModelConfig.InChannels, config.EmbedDim, config.PatchSize, "stem");
        cls_token = config.ClsToken ? nn.Parameter(zeros(1, 1, config.EmbedDim)) : null;
        pos_embed = config.PositionEmbedding ? nn.Parameter(zeros(1, config.Tokens, config.EmbedDim)) : null;
        blocks = new ModuleList<VitBlock>();
        for (int i = 0; i < config.Blocks; i++) blocks.Add(new VitBlock(config.EmbedDim, config.Heads, config.ChannelHidden));
        norm = nn.LayerNorm(config.EmbedDim, eps: 1e-6);
        head = nn.Linear(config.EmbedDim, config.Classes);
        RegisterComponents();
        InitWeights(generator);
    }

    /// <summary>
    /// The ViT's init (after timm's): LeCun-normal patch stem (zero bias); CLS token and position embedding, every
    /// Linear (head included) N(0, 0.02²) truncated at ±2σ with zero biases; norms 1/0. In the order
    /// stem, CLS, position, then the blocks, norm and head.
    /// </summary>
    void InitWeights(Generator? generator)
    {
        void InitModule(string name, nn.Module module)
        {
            if (module is Linear linear)
            {
                Init.TruncatedNormal(linear.weight!, 0.02, generator);
                Init.Norm(null, linear.bias);
            }
            else Init.TimmConvOrNorm(module, generator);
        }
        Init.Apply(stem, InitModule);
        if (cls_token is not null) Init.TruncatedNormal(cls_token, 0.02, generator);
        if (pos_embed is not null) Init.TruncatedNormal(pos_embed, 0.02, generator);
        foreach (var part in new nn.Module[] { blocks, norm, head }) Init.Apply(part, InitModule);
    }

    public VitConfig Config { get; }
    public IReadOnlyList<VitBlock> Blocks => [.. blocks];

    /// <summary>The encoder alone on a token table [B, N, D]: every block, no stem, no position embedding.</summary>
    public Tensor Encode(Tensor tokens)
    {
        var x = tokens;
        foreach (var block in blocks)
        {
            var next = block.forward(x);
            if (!ReferenceEquals(x, tokens)) x.Dispose();
            x = next;
        }
        return x;
    }

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Step("stem", stem);
        if (Config.ClsToken || Config.PositionEmbedding)
            yield return new Stage("tokens", AddClsAndPosition,
                () => (cls_token?.numel() ?? 0) + (pos_embed?.numel() ?? 0));
        for (int i = 0; i < blocks.Count; i++) yield return Step($"block {i + 1}", blocks[i]);
        yield return Step("norm", norm);
        yield return Config.ClsToken ? Op("cls", x => x.select(1, 0)) : Op("pool", x => x.mean([1]));
        yield return Step("head", head);
    }

    Tensor AddClsAndPosition(Tensor patches)
    {
        Tensor x = patches;
        if (cls_token is not null)
        {
            using var cls = cls_token.expand(patches.shape[0], -1, -1);
            x = cat([cls, patches], 1);
        }
        if (pos_embed is null) return x;                            // CLS only: x is the new table
        var placed = x + pos_embed;
        if (!ReferenceEquals(x, patches)) x.Dispose();
        return placed;
    }
}
