using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// Multi-head self-attention (Vaswani et al. 2017) as in ViT: one Linear to q, k, v for all heads,
/// softmax(q kᵀ / √d_head) v per head, heads concatenated and projected. Its token interactions are
/// computed from the input itself, so permuting the input tokens permutes the output the same way.
/// </summary>
public sealed class MultiHeadSelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;

    public MultiHeadSelfAttention(long dim, long heads, string name = "attn") : base(name)
    {
        if (dim % heads != 0) throw new ArgumentException($"{heads} heads do not divide the width {dim}");
        Heads = heads;
        qkv = nn.Linear(dim, 3 * dim);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    public long Heads { get; }

    public override Tensor forward(Tensor x)                       // x: [B, N, D]
    {
        long batch = x.shape[0], n = x.shape[1], d = x.shape[2], dh = d / Heads;
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
        using var merged = mixed.transpose(1, 2).reshape(batch, n, d);
        return proj.forward(merged);
    }

    internal void ResetLikeTimm(Generator? generator) { Init.VitLinear(qkv, generator); Init.VitLinear(proj, generator); }
}

/// <summary>A pre-LN Transformer encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)).</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly MultiHeadSelfAttention attn;
    readonly LayerNorm norm2;
    readonly MlpBlock mlp;

    public VitBlock(long dim, long heads, long mlpHidden, string name = "vit_block") : base(name)
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new MultiHeadSelfAttention(dim, heads);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new MlpBlock(dim, mlpHidden);
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

    internal void ResetLikeTimm(Generator? generator)
    {
        Init.Norm(norm1.weight, norm1.bias);
        Init.Norm(norm2.weight, norm2.bias);
        attn.ResetLikeTimm(generator);
        Init.VitLinear(mlp.Fc1, generator);
        Init.VitLinear(mlp.Fc2, generator);
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
        stem = new PatchEmbedding(ModelConfig.InChannels, config.Hidden, config.Patch, "stem");
        cls_token = config.ClsToken ? nn.Parameter(zeros(1, 1, config.Hidden)) : null;
        pos_embed = config.PositionEmbedding ? nn.Parameter(zeros(1, config.Tokens, config.Hidden)) : null;
        blocks = new ModuleList<VitBlock>();
        for (int i = 0; i < config.Layers; i++) blocks.Add(new VitBlock(config.Hidden, config.Heads, config.MlpHidden));
        norm = nn.LayerNorm(config.Hidden, eps: 1e-6);
        head = nn.Linear(config.Hidden, config.Classes);
        RegisterComponents();
        stem.ResetLikeTimm(generator);
        if (cls_token is not null) Init.TruncatedNormal(cls_token, 0.02, generator);
        if (pos_embed is not null) Init.TruncatedNormal(pos_embed, 0.02, generator);
        foreach (var block in blocks) block.ResetLikeTimm(generator);
        Init.Norm(norm.weight, norm.bias);
        Init.VitLinear(head, generator);
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
