using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// A CIFAR ResNet (He et al. 2016, §4.2): 3×3 stem, then stages of BasicBlocks (two 3×3 conv + BN,
/// identity shortcut; a 1×1 conv + BN projection where the shape changes), stride 2 at the start of
/// every stage but the first, global average pooling, linear head. Depth = 6·BlocksPerStage + 2.
/// </summary>
public sealed record ResNetConfig : ModelConfig
{
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
                var block = Cost.BasicBlock(channels, Widths[s], stride, size, size, $"stage{s + 1}.block{b + 1}");
                yield return block;
                channels = Widths[s];
                size = block.OutputShape[1];
            }
        yield return new CostRow("pool", [channels], 0, 0);
        yield return Cost.Linear(channels, Classes, name: "head");
    }
}

/// <summary>
/// A ResNet BasicBlock (He et al. 2016): conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut,
/// then ReLU. The shortcut is the identity, or a 1×1 convolution + BN where the block changes
/// resolution or width (the paper's option B). Convolutions have no bias (BN provides the shift).
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly BatchNorm2d bn2;
    readonly Conv2d? shortcut_conv;
    readonly BatchNorm2d? shortcut_bn;

    public BasicBlock(long inChannels, long outChannels, long stride, string name = "basic_block") : base(name)
    {
        conv1 = nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            shortcut_conv = nn.Conv2d(inChannels, outChannels, kernel_size: 1, stride: stride, bias: false);
            shortcut_bn = nn.BatchNorm2d(outChannels);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var c1 = conv1.forward(x);
        using var b1 = bn1.forward(c1);
        using var a1 = nn.functional.relu(b1);
        using var c2 = conv2.forward(a1);
        using var b2 = bn2.forward(c2);
        using var projected = shortcut_conv is null ? null : shortcut_conv.forward(x);
        using var identity = projected is null ? null : shortcut_bn!.forward(projected);
        using var sum = b2 + (identity ?? x);
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
                blocks.Add(new BasicBlock(previous, config.Widths[s], stride: s > 0 && b == 0 ? 2 : 1));
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
