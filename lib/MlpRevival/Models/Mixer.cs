using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// MLP-Mixer (Tolstikhin et al. 2021, Table 1): patch size, number of layers, hidden size C
/// (<see cref="PatchConfig.EmbedDim"/>), token-mixing width D_S, channel-mixing width D_C. Built by the
/// isotropic trunk with <see cref="MixerLayer"/>s: per-patch linear stem → N Mixer layers → LayerNorm →
/// global average pooling → linear head, no position embedding (timm's <c>MlpMixer</c> with <c>MixerBlock</c>).
/// </summary>
public sealed record MixerConfig : IsotropicConfig<MixerLayer>
{
    /// <summary>D_S: the hidden width of the token-mixing MLP (S → D_S → S).</summary>
    public required int TokenHidden { get; init; }

    /// <summary>D_C: the hidden width of the channel-mixing MLP (C → D_C → C).</summary>
    public required int ChannelHidden { get; init; }

    public override string Family => "MLP-Mixer";

    public override void Validate()
    {
        base.Validate();
        Require(TokenHidden > 0 && ChannelHidden > 0, $"D_S and D_C must be positive (got {TokenHidden}, {ChannelHidden})");
    }

    /// <summary>The paper's word: "Mixer layer".</summary>
    protected internal override string BlockName => "layer";

    protected internal override MixerLayer NewBlock() => new(Tokens, EmbedDim, TokenHidden, ChannelHidden);

    protected internal override CostRow BlockCost(string name) => Cost.MixerLayer(Tokens, EmbedDim, TokenHidden, ChannelHidden, name);
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
}
