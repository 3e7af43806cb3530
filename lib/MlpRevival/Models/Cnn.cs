using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The seeds' plain CNNs: per stage a 3×3 convolution (padding 1) → ReLU → 2×2 max-pool, then one
/// linear classifier on the flattened feature map. Widths [64, 128] is the seed's SimpleCNN,
/// [64, 128, 256, 512] its 4-stage PyramidalCNN. The classifier's input size follows the resolution
/// (the seed hard-codes it for 224²).
/// </summary>
public sealed record CnnConfig : ModelConfig
{
    /// <summary>Output channels of each stage.</summary>
    public required IReadOnlyList<int> Widths { get; init; }

    public override string Family => "CNN";

    /// <summary>The side of the last feature map: every stage halves it.</summary>
    public int FinalSize => ImageSize >> Widths.Count;

    public override void Validate()
    {
        base.Validate();
        Require(Widths.Count > 0 && Widths.All(w => w > 0), $"stage widths must be positive (got {List(Widths)})");
        Require(ImageSize % (1 << Widths.Count) == 0,
            $"image size {ImageSize} must be divisible by 2^{Widths.Count} = {1 << Widths.Count} ({Widths.Count} stages each halve it)");
    }

    public override Cnn Build(long seed = 0, Device? device = null) => Built(seed, device, g => new Cnn(this, g));

    protected internal override IEnumerable<CostRow> CostRows()
    {
        long channels = InChannels, size = ImageSize;
        for (int i = 0; i < Widths.Count; i++)
        {
            var conv = Cost.Conv2d(channels, Widths[i], 3, size, size, padding: 1, name: "conv3×3");
            size /= 2;
            yield return CostRow.Group($"layer{i + 1}", [Widths[i], size, size],
                conv, new CostRow("maxpool 2×2", [Widths[i], size, size], 0, 0));
            channels = Widths[i];
        }
        long flat = channels * size * size;
        yield return new CostRow("flatten", [flat], 0, 0);
        yield return Cost.Linear(flat, Classes, name: "classifier");
    }
}

/// <summary>One stage of the seeds' CNNs: 3×3 convolution (padding 1) → ReLU → 2×2 max-pool (halves H and W).</summary>
public sealed class ConvStage : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly MaxPool2d pool;

    public ConvStage(long inChannels, long outChannels, string name = "conv_stage") : base(name)
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel_size: 3, padding: 1);
        pool = nn.MaxPool2d(2, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var c = conv.forward(x);
        using var a = nn.functional.relu(c);
        return pool.forward(a);
    }
}

/// <summary>
/// The seeds' plain CNNs: <see cref="ConvStage"/>s, then a linear classifier on the flattened map.
/// Widths [64, 128] is the seed's SimpleCNN; [64, 128, 256, 512] its PyramidalCNN (resolution halves,
/// channels double: the "pyramidal" shape of the seed's table). Locality and weight sharing are
/// built in: a 3×3 kernel sees 9 neighbours and is reused at every position. PyTorch's default init.
/// </summary>
public sealed class Cnn : StagedModel
{
    readonly ModuleList<ConvStage> stages;
    readonly Linear classifier;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public Cnn(CnnConfig config, Generator? generator = null) : base(config.Widths.Count == 2 ? "SimpleCnn" : "PyramidalCnn")
    {
        config.Validate();
        Config = config;
        stages = new ModuleList<ConvStage>();
        long previous = ModelConfig.InChannels;
        foreach (var width in config.Widths)
        {
            stages.Add(new ConvStage(previous, width));
            previous = width;
        }
        classifier = nn.Linear(previous * config.FinalSize * config.FinalSize, config.Classes);
        RegisterComponents();
        Init.TorchDefaults(this, generator);
    }

    public CnnConfig Config { get; }

    protected override IEnumerable<Stage> BuildStages()
    {
        for (int i = 0; i < stages.Count; i++) yield return Step($"layer{i + 1}", stages[i]);
        yield return Op("flatten", x => x.flatten(1));
        yield return Step("classifier", classifier);
    }
}
