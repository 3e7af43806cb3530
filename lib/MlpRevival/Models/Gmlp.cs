using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The spatial projection f_{W,b}(Z) = W·Z + b of the gMLP paper: a linear map along the token axis,
/// W ∈ R^{n×n}, b ∈ R^n, the same for every channel. With h heads the channels are split into h
/// groups and head k has its own W_k, b_k. Weights are [heads, n, n] (row m = output token,
/// column n = input token, as in the seed's einsum 'b n d, m n -> b m d'), bias [heads, n].
/// </summary>
public sealed class SpatialProjection : nn.Module<Tensor, Tensor>
{
    Parameter weight;
    Parameter bias;

    /// <param name="tokens">n, the sequence length.</param>
    /// <param name="heads">Groups of channels with their own n×n weights.</param>
    /// <param name="uniformRange">0: the paper's/timm's init, W ~ N(0, 1e-6²), b = 1. r &gt; 0: the seed's, W ~ U(−r, r), b = 1.</param>
    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public SpatialProjection(long tokens, long heads = 1, double uniformRange = 0, string name = "spatial_proj", Generator? generator = null) : base(name)
    {
        Tokens = tokens;
        Heads = heads;
        UniformRange = uniformRange;
        weight = nn.Parameter(empty(heads, tokens, tokens));
        bias = nn.Parameter(ones(heads, tokens));
        RegisterComponents();
        Reset(generator);
    }

    /// <summary>0: W ~ N(0, 1e-6²) (paper, timm); r &gt; 0: W ~ U(−r, r) (the seed). b = 1 either way.</summary>
    public double UniformRange { get; }

    /// <summary>Re-draws W and sets b = 1, so that f(Z) ≈ 1 and the gate starts open.</summary>
    public void Reset(Generator? generator)
    {
        if (UniformRange > 0) Init.Uniform(weight, UniformRange, generator);
        else Init.Normal(weight, 1e-6, generator);
        using var _ = no_grad();
        bias.fill_(1);
    }

    public long Tokens { get; }
    public long Heads { get; }

    /// <summary>The learned token-to-token weights, [heads, n, n] — the heatmaps of the course. Live tensor: <c>.detach().cpu()</c> to plot.</summary>
    public Parameter Weight => weight;

    /// <summary>The per-token bias, [heads, n].</summary>
    public Parameter Bias => bias;

    public override Tensor forward(Tensor v)                       // v: [B, n, c]
    {
        long batch = v.shape[0], n = v.shape[1], c = v.shape[2];
        if (n != Tokens)
            throw new ArgumentException($"spatial projection expects {Tokens} tokens, got {n}");
        using var grouped = v.reshape(batch, n, Heads, c / Heads);  // [B, n, h, c/h]
        using var mixed = einsum("bnhd,hmn->bmhd", grouped, weight);
        using var b = bias.transpose(0, 1).reshape(1, n, Heads, 1);
        using var shifted = mixed + b;
        return shifted.reshape(batch, n, c);
    }
}

/// <summary>
/// The spatial gating unit: s(Z) = Z₁ ⊙ f_{W,b}(LayerNorm(Z₂)), Z split in half along channels.
/// At initialisation W ≈ 0 and b = 1, so f ≈ 1 and s(Z) ≈ Z₁: every gMLP block starts as a plain
/// per-token feed-forward network and learns its token interactions. For aMLP, the tiny attention's
/// output is added to the gate before the product: Z₁ ⊙ (f(LN(Z₂)) + attn).
/// </summary>
public sealed class SpatialGatingUnit : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly SpatialProjection spatial_proj;

    /// <param name="channels">d_ffn, the width of Z (the gate half has d_ffn/2).</param>
    /// <param name="tokens">n.</param>
    /// <param name="heads">Heads of the spatial projection.</param>
    /// <param name="uniformRange">See <see cref="SpatialProjection"/>: 0 for timm's init, 0.05 for the seed's.</param>
    public SpatialGatingUnit(long channels, long tokens, long heads = 1, double uniformRange = 0, string name = "sgu", Generator? generator = null) : base(name)
    {
        if (channels % 2 != 0) throw new ArgumentException($"the spatial gating unit splits channels in half: {channels} is odd");
        if (channels / 2 % heads != 0) throw new ArgumentException($"{heads} heads do not divide the gate's {channels / 2} channels");
        norm = nn.LayerNorm(channels / 2);                         // eps 1e-5 as timm's SGU and the seed (nn.LayerNorm default)
        spatial_proj = new SpatialProjection(tokens, heads, uniformRange, generator: generator);
        RegisterComponents();
    }

    /// <summary>The unit's own init: LayerNorm 1/0, spatial projection W ≈ 0 (or the seed's uniform), b = 1.</summary>
    public void Reset(Generator? generator)
    {
        Init.Norm(norm.weight, norm.bias);
        spatial_proj.Reset(generator);
    }

    public LayerNorm Norm => norm;
    public SpatialProjection SpatialProjection => spatial_proj;

    /// <summary>[heads, n, n]: the spatial weights (see <see cref="SpatialProjection.Weight"/>).</summary>
    public Tensor SpatialWeights => spatial_proj.Weight;

    public override Tensor forward(Tensor z) => forward(z, null);

    /// <summary>s(Z), with an optional residual added to the gate (aMLP's tiny attention).</summary>
    public Tensor forward(Tensor z, Tensor? gateResidual)
    {
        var halves = z.chunk(2, -1);
        using var z1 = halves[0];
        using var z2 = halves[1];
        using var normed = norm.forward(z2);
        using var gate = spatial_proj.forward(normed);
        if (gateResidual is null) return z1 * gate;
        using var gated = gate + gateResidual;
        return z1 * gated;
    }
}

/// <summary>
/// aMLP's tiny attention (gMLP paper §4.3, Fig. 6): one head of width d_attn on the block's
/// normalised input, q,k,v = split(x W_qkv), softmax(q kᵀ/√d_attn) v, projected to the gate's width.
/// </summary>
public sealed class TinyAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;

    public TinyAttention(long dim, long attentionDim, long outDim, string name = "tiny_attn") : base(name)
    {
        AttentionDim = attentionDim;
        qkv = nn.Linear(dim, 3 * attentionDim);
        proj = nn.Linear(attentionDim, outDim);
        RegisterComponents();
    }

    public long AttentionDim { get; }

    public override Tensor forward(Tensor x)                       // x: [B, n, d]
    {
        using var all = qkv.forward(x);
        var parts = all.chunk(3, -1);
        using var q = parts[0];
        using var k = parts[1];
        using var v = parts[2];
        using var kt = k.transpose(-2, -1);
        using var scores = q.matmul(kt);
        using var scaled = scores.mul(1.0 / Math.Sqrt(AttentionDim));
        using var weights = scaled.softmax(-1);
        using var mixed = weights.matmul(v);
        return proj.forward(mixed);
    }

    internal void ResetLikeTimm(Generator? generator) { Init.TimmLinear(qkv, generator); Init.TimmLinear(proj, generator); }
}

/// <summary>
/// One gMLP block (paper Fig. 1): Z = σ(X U), Z̃ = s(Z), Y = Z̃ V, with a pre-LayerNorm and a
/// residual — timm's SpatialGatingBlock. <c>channel_proj_u</c> is U (d_model → d_ffn),
/// <c>channel_proj_v</c> is V (d_ffn/2 → d_model).
/// </summary>
public sealed class GmlpBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly Linear channel_proj_u;
    readonly GELU act;
    readonly SpatialGatingUnit sgu;
    readonly Linear channel_proj_v;
    readonly TinyAttention? tiny_attn;

    public GmlpBlock(long dim, long ffn, long tokens, long heads = 1, long attentionDim = 0, string name = "gmlp_block") : base(name)
    {
        norm = nn.LayerNorm(dim, eps: 1e-6);
        channel_proj_u = nn.Linear(dim, ffn);
        act = nn.GELU();
        sgu = new SpatialGatingUnit(ffn, tokens, heads);
        channel_proj_v = nn.Linear(ffn / 2, dim);
        tiny_attn = attentionDim > 0 ? new TinyAttention(dim, attentionDim, ffn / 2) : null;
        RegisterComponents();
    }

    public SpatialGatingUnit Sgu => sgu;
    public TinyAttention? TinyAttention => tiny_attn;

    public override Tensor forward(Tensor x)
    {
        using var n = norm.forward(x);
        using var attention = tiny_attn?.forward(n);
        using var u = channel_proj_u.forward(n);
        using var z = act.forward(u);
        using var gated = sgu.forward(z, attention);
        using var y = channel_proj_v.forward(gated);
        return x + y;
    }

    internal void ResetLikeTimm(Generator? generator)
    {
        Init.Norm(norm.weight, norm.bias);
        Init.TimmLinear(channel_proj_u, generator);
        Init.TimmLinear(channel_proj_v, generator);
        tiny_attn?.ResetLikeTimm(generator);
        sgu.Reset(generator);      // timm's SpatialGatingUnit.init_weights: W ~ N(0, 1e-6²), b = 1
    }
}

/// <summary>
/// The gMLP image classifier as timm builds it (MlpMixer with SpatialGatingBlocks): patch stem →
/// L gMLP blocks → LayerNorm → global average pooling → linear head. No position embedding, no CLS
/// token. With <see cref="GmlpConfig.AttentionDim"/> &gt; 0 every block carries a tiny attention (aMLP).
/// Initialisation as <see cref="MixerClassifier"/> (timm's, with a Xavier head instead of a zero one).
/// </summary>
public sealed class GmlpClassifier : StagedModel
{
    readonly PatchEmbedding stem;
    readonly ModuleList<GmlpBlock> blocks;
    readonly LayerNorm norm;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public GmlpClassifier(GmlpConfig config, Generator? generator = null) : base(config.AttentionDim > 0 ? "AmlpClassifier" : "GmlpClassifier")
    {
        config.Validate();
        Config = config;
        stem = new PatchEmbedding(ModelConfig.InChannels, config.Hidden, config.Patch, "stem");
        blocks = new ModuleList<GmlpBlock>();
        for (int i = 0; i < config.Layers; i++)
            blocks.Add(new GmlpBlock(config.Hidden, config.Ffn, config.Tokens, config.Heads, config.AttentionDim));
        norm = nn.LayerNorm(config.Hidden, eps: 1e-6);
        head = nn.Linear(config.Hidden, config.Classes);
        RegisterComponents();
        stem.ResetLikeTimm(generator);
        foreach (var block in blocks) block.ResetLikeTimm(generator);
        Init.Norm(norm.weight, norm.bias);
        Init.TimmLinear(head, generator, insideMlp: false);
    }

    public GmlpConfig Config { get; }
    public IReadOnlyList<GmlpBlock> Blocks => [.. blocks];

    /// <summary>Every block's spatial weights, [layers, heads, n, n] (a new tensor, detached).</summary>
    public Tensor SpatialWeights() => stack(blocks.Select(b => b.Sgu.SpatialWeights.detach()).ToArray());

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Step("stem", stem);
        for (int i = 0; i < blocks.Count; i++) yield return Step($"block {i + 1}", blocks[i]);
        yield return Step("norm", norm);
        yield return Op("pool", x => x.mean([1]));
        yield return Step("head", head);
    }
}
