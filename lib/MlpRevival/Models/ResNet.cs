using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// A CIFAR ResNet (He et al. 2016, §4.2): 3×3 stem, then stages of BasicBlocks (two 3×3 conv + BN,
/// identity shortcut; where the shape changes, the paper's parameter-free option A by default, or a
/// 1×1 conv + BN projection, option B), stride 2 at the start of every stage but the first, global
/// average pooling, linear head. Depth = 6·BlocksPerStage + 2.
/// </summary>
public sealed record ResNetConfig : ModelConfig
{
    /// <summary>
    /// The shortcut of a block that changes resolution or width. He et al.'s CIFAR networks use
    /// <see cref="ResNetShortcut.ZeroPad"/> (§4.2: "identity shortcuts in all cases", option A):
    /// ResNet-20 then has 0.27M parameters (269,722).
    /// </summary>
    public ResNetShortcut Shortcut { get; init; } = ResNetShortcut.ZeroPad;

    /// <summary>BasicBlocks in every stage (3 for ResNet-20).</summary>
    public required int BlocksPerStage { get; init; }

    /// <summary>Channels of each stage.</summary>
    public required IReadOnlyList<int> Widths { get; init; }

    public override string Family => "ResNet";

    /// <summary>Weighted layers: two per block, plus the stem and the head.</summary>
    public int Depth => 2 * BlocksPerStage * Widths.Count + 2;

    public override void Validate()
    {
        base.Validate();
        Require(BlocksPerStage > 0, $"blocks per stage must be positive (got {BlocksPerStage})");
        Require(Widths.Count > 0 && Widths.All(w => w > 0), $"stage widths must be positive (got {List(Widths)})");
        Require(ImageSize % (1 << (Widths.Count - 1)) == 0,
            $"image size {ImageSize} must be divisible by {1 << (Widths.Count - 1)} ({Widths.Count - 1} stride-2 stages)");
    }

    public override ResNet Build(long seed = 0, Device? device = null) => Built(seed, device, g => new ResNet(this, g));

    protected internal override IEnumerable<CostRow> CostRows()
    {
        long size = ImageSize, channels = Widths[0];
        yield return CostRow.Group("stem", [channels, size, size],
            Cost.Conv2d(InChannels, channels, 3, size, size, padding: 1, bias: false, name: "conv3×3"),
            Cost.BatchNorm2d(channels, size, size));
        for (int s = 0; s < Widths.Count; s++)
            for (int b = 0; b < BlocksPerStage; b++)
            {
                long stride = s > 0 && b == 0 ? 2 : 1;
                var block = Cost.BasicBlock(channels, Widths[s], stride, size, size, $"stage{s + 1}.block{b + 1}",
                                            projection: Shortcut == ResNetShortcut.Projection);
                yield return block;
                channels = Widths[s];
                size = block.OutputShape[1];
            }
        yield return new CostRow("pool", [channels], 0, 0);
        yield return Cost.Linear(channels, Classes, name: "head");
    }
}

/// <summary>How a ResNet block that changes resolution or width carries its input to the sum (He et al. 2016, §3.3).</summary>
public enum ResNetShortcut
{
    /// <summary>Option A: parameter-free — keep every stride-th pixel, append zero channels for the extra width.</summary>
    ZeroPad,

    /// <summary>Option B: a 1×1 convolution with the block's stride, then BN.</summary>
    Projection,
}

/// <summary>
/// A ResNet BasicBlock (He et al. 2016): conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut,
/// then ReLU. The shortcut is the identity; where the block changes resolution or width it is
/// <see cref="ResNetShortcut.ZeroPad"/> (option A, no parameters) or a 1×1 convolution + BN
/// (<see cref="ResNetShortcut.Projection"/>, option B). Convolutions have no bias (BN provides the shift).
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly BatchNorm2d bn2;
    readonly Conv2d? shortcut_conv;
    readonly BatchNorm2d? shortcut_bn;
    readonly long stride;
    readonly long extraChannels;   // option A: zero channels appended to the subsampled input

    public BasicBlock(long inChannels, long outChannels, long stride, string name = "basic_block",
                      ResNetShortcut shortcut = ResNetShortcut.ZeroPad) : base(name)
    {
        conv1 = nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        this.stride = stride;
        if ((stride != 1 || inChannels != outChannels) && shortcut == ResNetShortcut.Projection)
        {
            shortcut_conv = nn.Conv2d(inChannels, outChannels, kernel_size: 1, stride: stride, bias: false);
            shortcut_bn = nn.BatchNorm2d(outChannels);
        }
        else if (outChannels < inChannels)
            throw new ArgumentException($"a zero-padding shortcut cannot narrow {inChannels} channels to {outChannels}.", nameof(outChannels));
        else extraChannels = outChannels - inChannels;
        RegisterComponents();
    }

    /// <summary>Option A's shortcut: x[:, :, ::stride, ::stride], then zero channels up to the block's width.</summary>
    Tensor ZeroPadShortcut(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = x[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
        if (extraChannels > 0) y = nn.functional.pad(y, [0, 0, 0, 0, 0, extraChannels]);   // (W, H, C) pairs: zeros after the last channel
        return y.MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var c1 = conv1.forward(x);
        using var b1 = bn1.forward(c1);
        using var a1 = nn.functional.relu(b1);
        using var c2 = conv2.forward(a1);
        using var b2 = bn2.forward(c2);
        using var projected = shortcut_conv?.forward(x);
        using var shortcut = projected is not null ? shortcut_bn!.forward(projected)
                           : stride != 1 || extraChannels > 0 ? ZeroPadShortcut(x) : null;
        using var sum = b2 + (shortcut ?? x);
        return nn.functional.relu(sum);
    }
}

/// <summary>
/// The CIFAR ResNet of He et al. §4.2 (ResNet-20 for 3 blocks per stage): conv3×3 (16) → BN → ReLU →
/// stages of <see cref="BasicBlock"/>s at 32², 16², 8² → global average pooling → linear head. The
/// course's convolutional baseline for the pixel-shuffle experiment: its small kernels assume that
/// neighbouring pixels belong together. torchvision's init (Kaiming-normal fan-out convs, BN 1/0).
/// BatchNorm keeps running statistics: call <c>eval()</c> before evaluating.
/// </summary>
public sealed class ResNet : StagedModel
{
    readonly Conv2d stem_conv;
    readonly BatchNorm2d stem_bn;
    readonly ModuleList<BasicBlock> blocks;
    readonly Linear head;
    readonly List<string> blockNames = [];

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public ResNet(ResNetConfig config, Generator? generator = null) : base($"ResNet{config.Depth}")
    {
        config.Validate();
        Config = config;
        stem_conv = nn.Conv2d(ModelConfig.InChannels, config.Widths[0], kernel_size: 3, padding: 1, bias: false);
        stem_bn = nn.BatchNorm2d(config.Widths[0]);
        blocks = new ModuleList<BasicBlock>();
        long previous = config.Widths[0];
        for (int s = 0; s < config.Widths.Count; s++)
            for (int b = 0; b < config.BlocksPerStage; b++)
            {
                blocks.Add(new BasicBlock(previous, config.Widths[s], stride: s > 0 && b == 0 ? 2 : 1, shortcut: config.Shortcut));
                blockNames.Add($"stage{s + 1}.block{b + 1}");
                previous = config.Widths[s];
            }
        head = nn.Linear(previous, config.Classes);
        RegisterComponents();
        InitWeights(generator);
    }

    /// <summary>
    /// torchvision's ResNet init, as PyTorch gets it: every layer's default (drawn at construction
    /// there, re-drawn here from the model's generator; the head keeps it), then Kaiming-normal
    /// (fan-out, ReLU) for every convolution, BatchNorm at 1/0 — stem first, then the blocks in order.
    /// </summary>
    void InitWeights(Generator? generator)
    {
        Init.TorchDefaults(this, generator);
        Init.Apply(this, (_, module) =>
        {
            if (module is Conv2d conv) Init.KaimingNormalFanOut(conv.weight!, generator);
        });
    }

    public ResNetConfig Config { get; }

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return new Stage("stem", x =>
        {
            using var c = stem_conv.forward(x);
            using var b = stem_bn.forward(c);
            return nn.functional.relu(b);
        }, () => Count(stem_conv) + Count(stem_bn));
        for (int i = 0; i < blocks.Count; i++) yield return Step(blockNames[i], blocks[i]);
        yield return Op("pool", x => x.mean([2, 3]));              // global average pooling → [B, C]
        yield return Step("head", head);
    }
}
