using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The MLP of every Mixer layer (paper eq. 1): fc1 → GELU → fc2, acting on the last axis. Used once
/// along tokens (width D_S) and once along channels (width D_C). Same as timm's <c>Mlp</c>.
/// </summary>
public sealed class MlpBlock : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly GELU act;
    readonly Linear fc2;

    public MlpBlock(long dim, long hidden, string name = "mlp") : base(name)
    {
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    /// <summary>The first matrix, [hidden, dim].</summary>
    public Linear Fc1 => fc1;

    /// <summary>The second matrix, [dim, hidden].</summary>
    public Linear Fc2 => fc2;

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = act.forward(h);
        return fc2.forward(a);
    }

    internal void ResetLikeTimm(Generator? generator)
    {
        Init.TimmLinear(fc1, generator);
        Init.TimmLinear(fc2, generator);
    }
}

/// <summary>
/// Token-mixing (paper eq. 1, first line): U_{*,i} = X_{*,i} + W2 σ(W1 LayerNorm(X)_{*,i}) for every
/// channel i. The table is transposed so the MLP runs along the S tokens, the same MLP for all C
/// channels (parameter sharing); it sees token positions in a fixed order, which is why Mixer needs no
/// position embedding.
/// </summary>
public sealed class TokenMixing : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly MlpBlock mlp;

    public TokenMixing(long tokens, long channels, long tokenHidden, string name = "token_mixing") : base(name)
    {
        norm = nn.LayerNorm(channels, eps: 1e-6);
        mlp = new MlpBlock(tokens, tokenHidden);
        RegisterComponents();
    }

    public LayerNorm Norm => norm;

    /// <summary>The token MLP: Fc1 is W1 [D_S, S], Fc2 is W2 [S, D_S].</summary>
    public MlpBlock Mlp => mlp;

    public override Tensor forward(Tensor x)                 // x: [B, S, C]
    {
        using var n = norm.forward(x);
        using var columns = n.transpose(1, 2);               // [B, C, S]: one row per channel
        using var mixed = mlp.forward(columns);
        using var back = mixed.transpose(1, 2);              // [B, S, C]
        return x + back;
    }

    internal void ResetLikeTimm(Generator? generator) { Init.Norm(norm.weight, norm.bias); mlp.ResetLikeTimm(generator); }
}

/// <summary>
/// Channel-mixing (paper eq. 1, second line): Y_{j,*} = U_{j,*} + W4 σ(W3 LayerNorm(U)_{j,*}) for every
/// token j — the same MLP at every location, like a 1×1 convolution.
/// </summary>
public sealed class ChannelMixing : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly MlpBlock mlp;

    public ChannelMixing(long channels, long channelHidden, string name = "channel_mixing") : base(name)
    {
        norm = nn.LayerNorm(channels, eps: 1e-6);
        mlp = new MlpBlock(channels, channelHidden);
        RegisterComponents();
    }

    public LayerNorm Norm => norm;
    public MlpBlock Mlp => mlp;

    public override Tensor forward(Tensor u)                 // u: [B, S, C]
    {
        using var n = norm.forward(u);
        using var mixed = mlp.forward(n);
        return u + mixed;
    }

    internal void ResetLikeTimm(Generator? generator) { Init.Norm(norm.weight, norm.bias); mlp.ResetLikeTimm(generator); }
}

/// <summary>One Mixer layer: token-mixing, then channel-mixing, each a pre-LayerNorm residual MLP (timm's MixerBlock).</summary>
public sealed class MixerLayer : nn.Module<Tensor, Tensor>
{
    readonly TokenMixing token_mixing;
    readonly ChannelMixing channel_mixing;

    public MixerLayer(long tokens, long channels, long tokenHidden, long channelHidden, string name = "mixer_layer") : base(name)
    {
        token_mixing = new TokenMixing(tokens, channels, tokenHidden);
        channel_mixing = new ChannelMixing(channels, channelHidden);
        RegisterComponents();
    }

    public TokenMixing TokenMixing => token_mixing;
    public ChannelMixing ChannelMixing => channel_mixing;

    public override Tensor forward(Tensor x)
    {
        using var u = token_mixing.forward(x);
        return channel_mixing.forward(u);
    }

    internal void ResetLikeTimm(Generator? generator) { token_mixing.ResetLikeTimm(generator); channel_mixing.ResetLikeTimm(generator); }
}

/// <summary>
/// The MLP-Mixer classifier: per-patch linear stem → N Mixer layers → LayerNorm → global average
/// pooling over tokens → linear head. No position embedding.
/// Initialisation as timm (non-Flax): LeCun-normal stem, Xavier-uniform Linears with N(0, 1e-6)
/// biases, LayerNorm 1/0 — except the head: timm zeroes it (every untrained model then outputs the
/// same logits for every image), the course gives it the same Xavier init as the other Linears so an
/// untrained model's outputs already depend on its input (the permutation demonstrations need that).
/// </summary>
public sealed class MixerClassifier : StagedModel
{
    readonly PatchEmbedding stem;
    readonly ModuleList<MixerLayer> layers;
    readonly LayerNorm norm;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public MixerClassifier(MixerConfig config, Generator? generator = null) : base("MixerClassifier")
    {
        config.Validate();
        Config = config;
        stem = new PatchEmbedding(ModelConfig.InChannels, config.Hidden, config.Patch, "stem");
        layers = new ModuleList<MixerLayer>();
        for (int i = 0; i < config.Layers; i++)
            layers.Add(new MixerLayer(config.Tokens, config.Hidden, config.TokenHidden, config.ChannelHidden));
        norm = nn.LayerNorm(config.Hidden, eps: 1e-6);
        head = nn.Linear(config.Hidden, config.Classes);
        RegisterComponents();
        ResetLikeTimm(generator);
    }

    public MixerConfig Config { get; }
    public PatchEmbedding Stem => stem;
    public IReadOnlyList<MixerLayer> Layers => [.. layers];
    public Linear Head => head;

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Step("stem", stem);
        for (int i = 0; i < layers.Count; i++) yield return Step($"layer {i + 1}", layers[i]);
        yield return Step("norm", norm);
        yield return Op("pool", x => x.mean([1]));            // global average over the S tokens
        yield return Step("head", head);
    }

    void ResetLikeTimm(Generator? generator)
    {
        stem.ResetLikeTimm(generator);
        foreach (var layer in layers) layer.ResetLikeTimm(generator);
        Init.Norm(norm.weight, norm.bias);
        Init.TimmLinear(head, generator, insideMlp: false);
    }
}
