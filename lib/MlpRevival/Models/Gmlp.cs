using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// gMLP (Liu et al. 2021) in timm's image-classifier form: the isotropic trunk (patch stem → blocks →
/// LayerNorm → global average pooling → linear head, no position embedding, no CLS token) with
/// <see cref="GmlpBlock"/>s of norm → U (d_model → d_ffn) → GELU → spatial gating unit → V
/// (d_ffn/2 → d_model) + residual. <see cref="Heads"/> &gt; 1 splits the gate's channels among heads
/// with their own n×n spatial weights. <see cref="AttentionDim"/> &gt; 0 makes it aMLP (§4.3): a tiny
/// single-head attention of that width is added to the gate.
/// </summary>
public sealed record GmlpConfig : IsotropicConfig<GmlpBlock>
{
    /// <summary>d_ffn: the width U projects each token to (timm: embed_dim · mlp_ratio); the SGU gates half of it.</summary>
    public required int ChannelHidden { get; init; }

    /// <summary>Gate heads: groups of the gate's channels, each with its own n×n spatial weights (1: the paper's gMLP).</summary>
    public int Heads { get; init; } = 1;

    /// <summary>d_attn of aMLP's tiny attention; 0 (the default) for gMLP, which has none.</summary>
    public int AttentionDim { get; init; }

    public override string Family => AttentionDim > 0 ? "aMLP" : "gMLP";

    /// <summary>Channels of the gate half (and of the SGU's output): d_ffn / 2.</summary>
    public int GateChannels => ChannelHidden / 2;

    public override void Validate()
    {
        base.Validate();
        Require(ChannelHidden > 0, $"d_ffn must be positive (got {ChannelHidden})");
        Require(ChannelHidden % 2 == 0, $"d_ffn = {ChannelHidden} is odd: the spatial gating unit splits the channels into two halves");
        Require(Heads > 0, $"the number of gate heads must be positive (got {Heads})");
        Require(GateChannels % Heads == 0, $"{Heads} heads do not divide the gate's {GateChannels} channels (d_ffn/2)");
        Require(AttentionDim >= 0, $"the tiny attention's width must be 0 (none) or positive (got {AttentionDim})");
    }

    protected internal override GmlpBlock NewBlock() => new(EmbedDim, ChannelHidden, Tokens, Heads, AttentionDim);

    protected internal override CostRow BlockCost(string name) => Cost.GmlpBlock(Tokens, EmbedDim, ChannelHidden, Heads, AttentionDim, name);
}

/// <summary>What a built gMLP (or aMLP) shows of its gates.</summary>
public static class GmlpModel
{
    /// <summary>Every block's spatial weights, [blocks, heads, n, n] (a new tensor, detached): the heatmaps of notebook 04.</summary>
    public static Tensor SpatialWeights(this IsotropicClassifier<GmlpBlock> model) =>
        stack(model.Blocks.Select(b => b.Sgu.SpatialWeights.detach()).ToArray());
}

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
        InitWeights(generator);
    }

    /// <summary>0: W ~ N(0, 1e-6²) (paper, timm); r &gt; 0: W ~ U(−r, r) (the seed). b = 1 either way.</summary>
    public double UniformRange { get; }

    /// <summary>Re-draws W and sets b = 1, so that f(Z) ≈ 1 and the gate starts open (timm's SpatialGatingUnit.init_weights).</summary>
    public void InitWeights(Generator? generator)
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

    public LayerNorm Norm => norm;
    public SpatialProjection SpatialProjection => spatial_proj;

    /// <summary>[heads, n, n]: the spatial weights (see <see cref="SpatialProjection.Weight"/>).</summary>
    public Tensor SpatialWeights => spatial_proj.Weight;

    public override Tensor forward(Tensor z) => forward(z, null);

    /// <summary>s(Z), with an optional residual added to the gate (aMLP's tiny attention).</summary>
    public Tensor forward(Tensor z, Tensor? gateResidual)
    {
        var halves = z.chunk(2, -1);                               // Z₁ is gated, Z₂ computes the gate
        using var z1 = halves[0];
        using var z2 = halves[1];
        using var normed = norm.forward(z2);                       // normalising the gate's input: the paper found it trains more stably
        using var gate = spatial_proj.forward(normed);             // f(Z₂) = W·Z₂ + b along tokens, ≈ 1 at init
        if (gateResidual is null) return z1 * gate;
        using var gated = gate + gateResidual;
        return z1 * gated;
    }
}

/// <summary>
/// One gMLP block (paper Fig. 1): Z = σ(X U), Z̃ = s(Z), Y = Z̃ V, with a pre-LayerNorm and a
/// residual — timm's SpatialGatingBlock. <c>channel_proj_u</c> is U (d_model → d_ffn),
/// <c>channel_proj_v</c> is V (d_ffn/2 → d_model).
/// </summary>
public sealed class GmlpBlock : nn.Module<Tensor, Tensor>, IInitWeights
{
    readonly LayerNorm norm;
    readonly Linear channel_proj_u;
    readonly GELU act;
    readonly SpatialGatingUnit sgu;
    readonly Linear channel_proj_v;
    readonly MultiHeadSelfAttention? tiny_attn;

    public GmlpBlock(long dim, long ffn, long tokens, long heads = 1, long attentionDim = 0, string name = "gmlp_block") : base(name)
    {
        norm = nn.LayerNorm(dim, eps: 1e-6);
        channel_proj_u = nn.Linear(dim, ffn);
        act = nn.GELU();
        sgu = new SpatialGatingUnit(ffn, tokens, heads);
        channel_proj_v = nn.Linear(ffn / 2, dim);
        // aMLP's tiny attention (§4.3, Fig. 6) is one head of self-attention, d_attn wide, projected to the gate's width.
        tiny_attn = attentionDim > 0 ? new MultiHeadSelfAttention(dim, heads: 1, attentionDim: attentionDim, outDim: ffn / 2, name: "tiny_attn") : null;
        RegisterComponents();
    }

    /// <summary>
    /// The gate's own init, W ~ N(0, 1e-6²) and b = 1 (timm's SpatialGatingUnit.init_weights), so that
    /// the gate starts open. The family init calls it after the block's Linears — U, V, the tiny
    /// attention — have been drawn: the order the course has always drawn them in, so a seed gives
    /// the weights it gave before.
    /// </summary>
    public void InitWeights(Generator? generator) => sgu.SpatialProjection.InitWeights(generator);

    /// <summary>The pre-norm on the block's input (over d_model).</summary>
    public LayerNorm Norm => norm;

    /// <summary>U: the channel projection d_model → d_ffn, applied to every token on its own.</summary>
    public Linear ChannelProjU => channel_proj_u;

    /// <summary>σ, the GELU after U.</summary>
    public GELU Activation => act;

    public SpatialGatingUnit Sgu => sgu;

    /// <summary>V: the channel projection d_ffn/2 → d_model back to the residual stream.</summary>
    public Linear ChannelProjV => channel_proj_v;

    /// <summary>aMLP's tiny attention (null in gMLP).</summary>
    public MultiHeadSelfAttention? TinyAttention => tiny_attn;

    public override Tensor forward(Tensor x)
    {
        using var n = norm.forward(x);
        using var u = channel_proj_u.forward(n);
        using var z = act.forward(u);                             // Z = σ(X U): each token on its own, d_model → d_ffn
        using var attention = tiny_attn?.forward(n);              // aMLP: attention on the same normalised X, added to the gate
        using var gated = sgu.forward(z, attention);              // Z̃ = s(Z): the one place where tokens meet
        using var y = channel_proj_v.forward(gated);              // Y = Z̃ V: back to d_model
        return x + y;
    }
}
