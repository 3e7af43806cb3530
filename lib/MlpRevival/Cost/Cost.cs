using System.Globalization;
using MlpRevival.Models;

// Namespace MlpRevival (not MlpRevival.Cost): a namespace named like the class would shadow `Cost.Of` inside every MlpRevival.* namespace.
namespace MlpRevival;

/// <summary>The seeds' first-layer example: a flattened H×W×C image into one fully-connected layer.</summary>
public sealed record FirstLayerCost(long InputDim, long Hidden, long Params, long Macs);

/// <summary>
/// Token-mixing parameter sharing: the whole token MLP (W1 [D_S×S] + b1 [D_S] + W2 [S×D_S] + b2 [S])
/// once for all C channels, versus one such MLP per channel.
/// </summary>
public sealed record SharingCost(long Tokens, long TokenHidden, long Channels, long Shared, long PerChannel)
{
    /// <summary>PerChannel / Shared (= C).</summary>
    public double Ratio => (double)PerChannel / Shared;

    /// <summary>Fraction of parameters sharing saves: 1 − 1/C.</summary>
    public double Saving => 1 - (double)Shared / PerChannel;
}

/// <summary>
/// Closed-form cost calculators: trainable parameters and multiply-accumulates (MACs) of every layer,
/// block and model of the course, at any resolution and class count, computed from the sizes alone
/// (never from a built model — the tests compare the two).
/// </summary>
/// <remarks>
/// What counts, exactly (also in <see cref="Convention"/>):
/// <list type="bullet">
/// <item><b>Params</b>: trainable tensors — weights, biases, LayerNorm/BatchNorm scales and shifts, CLS
/// tokens, position embeddings, the SGU's spatial weights and biases. BatchNorm running statistics are
/// buffers, not parameters.</item>
/// <item><b>MACs</b>: multiply-accumulates of one forward pass on one image, of: Linear layers
/// (positions × in × out), convolutions (output positions × out channels × in channels/groups × k²),
/// the SGU's spatial projection (n² per channel of the gate half), attention's QKᵀ and AV products
/// (n² × width each).</item>
/// <item><b>Not in MACs</b>: bias additions, LayerNorm/BatchNorm, activations, softmax, the SGU's gating
/// product, residual additions, pooling, dropout, reshapes. They are linear in the activations' size and
/// small next to the products above; this calculator does not count them at all.</item>
/// </list>
/// timm's published GMACs (fvcore-style counting) agree with this convention to well under 2% on the
/// Mixer and gMLP configs (checked in the tests).
/// </remarks>
public static partial class Cost
{
    /// <summary>What <see cref="CostRow.Params"/> and <see cref="CostRow.Macs"/> count, in one paragraph.</summary>
    public const string Convention =
        "Params = trainable parameters (weights, biases, norm scales/shifts, CLS token, position embedding, SGU spatial weights and biases; " +
        "BatchNorm running statistics are buffers and not counted). " +
        "MACs = multiply-accumulates of one forward pass on one image, counting only Linear layers (positions·in·out), " +
        "Conv2d (output positions·out channels·in channels/groups·k²), the SGU spatial projection (n² per gate channel) and " +
        "attention's QKᵀ and AV matmuls (n²·width each). Bias adds, LayerNorm/BatchNorm, activations, softmax, the gating product, " +
        "residual adds, pooling and dropout are not counted.";

    /// <summary>
    /// The closed-form cost of a whole model for one image, one row per stage of its forward pass (the
    /// stage names of the built model), as its family computes it (<see cref="ModelConfig.CostRows"/>).
    /// Invalid configs throw <see cref="ArgumentException"/>.
    /// </summary>
    public static CostReport Of(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return new CostReport(config, config.CostRows().ToList());
    }

    /// <summary>The cost of a named config, optionally at another resolution and class count.</summary>
    public static CostReport Of(string name, int? imageSize = null, int? classes = null)
    {
        var config = ModelZoo.Get(name);
        return Of(config.At(imageSize ?? config.ImageSize, classes ?? config.Classes));
    }

    // ---------------------------------------------------------------- primitives

    /// <summary>nn.Linear(in, out) applied at <paramref name="positions"/> positions (tokens, or channels for token-mixing).</summary>
    public static CostRow Linear(long inFeatures, long outFeatures, long positions = 1, bool bias = true, string name = "linear") =>
        new(name, positions == 1 ? [outFeatures] : [positions, outFeatures],
            inFeatures * outFeatures + (bias ? outFeatures : 0),
            positions * inFeatures * outFeatures);

    /// <summary>
    /// nn.Conv2d(in, out, kernel, stride, padding) on an H×W input. E.g. 3×3, 3→64, padding 1, with
    /// bias: params 9·3·64 + 64 = 1,792; MACs H·W·9·3·64.
    /// </summary>
    public static CostRow Conv2d(long inChannels, long outChannels, long kernel, long height, long width,
        long stride = 1, long padding = 0, bool bias = true, long groups = 1, string name = "conv")
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups {groups} must divide both {inChannels} and {outChannels} channels");
        long outH = (height + 2 * padding - kernel) / stride + 1;
        long outW = (width + 2 * padding - kernel) / stride + 1;
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"a {kernel}×{kernel} kernel (stride {stride}, padding {padding}) does not fit a {height}×{width} input");
        long perPosition = outChannels * (inChannels / groups) * kernel * kernel;
        return new(name, [outChannels, outH, outW], perPosition + (bias ? outChannels : 0), outH * outW * perPosition);
    }

    /// <summary>nn.LayerNorm(dim) over <paramref name="positions"/> positions: 2·dim parameters, no MACs (by convention).</summary>
    public static CostRow LayerNorm(long dim, long positions = 1, string name = "norm") =>
        new(name, positions == 1 ? [dim] : [positions, dim], 2 * dim, 0);

    /// <summary>nn.BatchNorm2d(channels): 2·channels parameters (running statistics are buffers), no MACs.</summary>
    public static CostRow BatchNorm2d(long channels, long height, long width, string name = "bn") =>
        new(name, [channels, height, width], 2 * channels, 0);

    /// <summary>
    /// The SGU's spatial projection on n tokens × c gate channels: per head an n×n weight and an n bias;
    /// every channel is one n×n matrix–vector product, so n²·c MACs whatever the number of heads.
    /// </summary>
    public static CostRow SpatialProjection(long tokens, long channels, long heads = 1, string name = "spatial projection") =>
        new(name, [tokens, channels], heads * (tokens * tokens + tokens), tokens * tokens * channels);

    /// <summary>The spatial gating unit on d_ffn channels: LayerNorm(d_ffn/2) + spatial projection; output [n, d_ffn/2].</summary>
    public static CostRow SpatialGatingUnit(long tokens, long ffn, long heads = 1, string name = "sgu") =>
        CostRow.Group(name, [tokens, ffn / 2],
            LayerNorm(ffn / 2, tokens, "gate norm"),
            SpatialProjection(tokens, ffn / 2, heads));

    /// <summary>
    /// Self-attention on n tokens of width d (<see cref="MultiHeadSelfAttention"/>): qkv (d → 3a), QKᵀ (n²·a),
    /// AV (n²·a), output projection (a → out); a, the attention's width, is d unless given (aMLP's tiny
    /// attention: d_attn), and so is the output's. Heads split a and change none of these counts.
    /// </summary>
    public static CostRow SelfAttention(long tokens, long dim, long attentionDim = 0, long outDim = 0, string name = "attention")
    {
        long a = attentionDim > 0 ? attentionDim : dim, output = outDim > 0 ? outDim : dim;
        return CostRow.Group(name, [tokens, output],
            Linear(dim, 3 * a, tokens, name: "qkv"),
            new CostRow("QKᵀ", [tokens, tokens], 0, tokens * tokens * a),
            new CostRow("AV", [tokens, a], 0, tokens * tokens * a),
            Linear(a, output, tokens, name: "proj"));
    }

    /// <summary>The two-matrix MLP (fc1 → GELU → fc2) on the last axis, at <paramref name="positions"/> positions.</summary>
    public static CostRow Mlp(long dim, long hidden, long positions, string name = "mlp") =>
        CostRow.Group(name, [positions, dim],
            Linear(dim, hidden, positions, name: "fc1"),
            Linear(hidden, dim, positions, name: "fc2"));

    /// <summary>The patch embedding: a p×p, stride-p convolution 3 → dim; output the [S, dim] table.</summary>
    public static CostRow PatchEmbedding(long imageSize, long patch, long dim, string name = "stem")
    {
        var conv = Conv2d(ModelConfig.InChannels, dim, patch, imageSize, imageSize, stride: patch, name: "patch conv");
        long tokens = conv.OutputShape[1] * conv.OutputShape[2];
        return CostRow.Group(name, [tokens, dim], conv);
    }

    // ---------------------------------------------------------------- blocks

    /// <summary>One Mixer layer: token-mixing (LN + MLP along S, shared by all C channels) then channel-mixing (LN + MLP along C).</summary>
    public static CostRow MixerLayer(long tokens, long channels, long tokenHidden, long channelHidden, string name = "mixer layer") =>
        CostRow.Group(name, [tokens, channels],
            CostRow.Group("token-mixing", [tokens, channels],
                LayerNorm(channels, tokens),
                Mlp(tokens, tokenHidden, channels, "token MLP")),        // positions = C: the MLP runs once per channel
            CostRow.Group("channel-mixing", [tokens, channels],
                LayerNorm(channels, tokens),
                Mlp(channels, channelHidden, tokens, "channel MLP")));   // positions = S

    /// <summary>One gMLP block: LN → U (d → d_ffn) → SGU → V (d_ffn/2 → d) [+ tiny attention for aMLP].</summary>
    public static CostRow GmlpBlock(long tokens, long dim, long ffn, long heads = 1, long attentionDim = 0, string name = "gmlp block")
    {
        var parts = new List<CostRow>
        {
            LayerNorm(dim, tokens),
            Linear(dim, ffn, tokens, name: "channel proj U"),
            SpatialGatingUnit(tokens, ffn, heads),
            Linear(ffn / 2, dim, tokens, name: "channel proj V"),
        };
        if (attentionDim > 0) parts.Add(SelfAttention(tokens, dim, attentionDim, outDim: ffn / 2, name: "tiny attention"));
        return CostRow.Group(name, [tokens, dim], [.. parts]);
    }

    /// <summary>One pre-LN ViT block: LN → MHSA → LN → MLP.</summary>
    public static CostRow VitBlock(long tokens, long dim, long mlpHidden, string name = "vit block") =>
        CostRow.Group(name, [tokens, dim],
            LayerNorm(dim, tokens, "norm1"),
            SelfAttention(tokens, dim),
            LayerNorm(dim, tokens, "norm2"),
            Mlp(dim, mlpHidden, tokens));

    /// <summary>
    /// A ResNet BasicBlock on an H×W input: two 3×3 convs + BNs; where the shape changes, a 1×1 conv + BN
    /// shortcut (<paramref name="projection"/>, option B) or the parameter-free zero-padding shortcut (option A, no row).
    /// </summary>
    public static CostRow BasicBlock(long inChannels, long outChannels, long stride, long height, long width, string name = "basic block",
                                     bool projection = true)
    {
        var conv1 = Conv2d(inChannels, outChannels, 3, height, width, stride, padding: 1, bias: false, name: "conv1");
        long h = conv1.OutputShape[1], w = conv1.OutputShape[2];
        var parts = new List<CostRow>
        {
            conv1, BatchNorm2d(outChannels, h, w, "bn1"),
            Conv2d(outChannels, outChannels, 3, h, w, padding: 1, bias: false, name: "conv2"), BatchNorm2d(outChannels, h, w, "bn2"),
        };
        if ((stride != 1 || inChannels != outChannels) && projection)
        {
            parts.Add(Conv2d(inChannels, outChannels, 1, height, width, stride, bias: false, name: "shortcut conv"));
            parts.Add(BatchNorm2d(outChannels, h, w, "shortcut bn"));
        }
        else if (stride != 1 || inChannels != outChannels)
            parts.Add(new CostRow("shortcut (subsample, zero-pad)", [outChannels, h, w], 0, 0));
        return CostRow.Group(name, [outChannels, h, w], [.. parts]);
    }

    // ---------------------------------------------------------------- the seeds' worked examples

    /// <summary>
    /// The first fully-connected layer of a flatten-MLP: params = (H·W·C)·hidden + hidden,
    /// MACs = H·W·C·hidden. The seeds' example: 224×224×3 into 1024, then 448×448×3 (4× the parameters).
    /// </summary>
    public static FirstLayerCost FirstLayer(long height, long width, long channels, long hidden)
    {
        long input = height * width * channels;
        var row = Linear(input, hidden);
        return new FirstLayerCost(input, hidden, row.Params, row.Macs);
    }

    /// <summary>
    /// Token-mixing with one MLP shared by all C channels versus one MLP per channel, whole MLP counted:
    /// shared = S·D_S + D_S + D_S·S + S; per-channel = C × shared. E.g. Mixer-B/16: S 196, D_S 384, C 768.
    /// </summary>
    public static SharingCost TokenMixingSharing(long tokens, long tokenHidden, long channels)
    {
        long shared = Mlp(tokens, tokenHidden, 1).Params;
        return new SharingCost(tokens, tokenHidden, channels, shared, channels * shared);
    }

    // ---------------------------------------------------------------- formatting

    /// <summary>"12.60 G", "59.88 M", "1,792" (below 10,000 the exact count). Decimal units (10³, 10⁶, 10⁹).</summary>
    public static string Human(long value)
    {
        double v = value;
        string s = Math.Abs(v) switch
        {
            >= 1e12 => (v / 1e12).ToString("0.00", CultureInfo.InvariantCulture) + " T",
            >= 1e9 => (v / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
            >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
            >= 1e4 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " K",
            _ => value.ToString("N0", CultureInfo.InvariantCulture),
        };
        return s;
    }

    /// <summary>"196×768"; "" for a scalar.</summary>
    public static string FormatShape(IEnumerable<long> shape) => string.Join("×", shape);
}
