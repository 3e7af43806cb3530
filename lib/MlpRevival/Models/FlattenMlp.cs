using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The seeds' traditional MLP: flatten the H×W×3 image into one vector, then fully-connected layers
/// with ReLU (one per entry of <see cref="Widths"/>), then a linear classifier.
/// </summary>
public sealed record FlattenMlpConfig : ModelConfig
{
    /// <summary>The hidden layers' widths, first (image-sized input) to last.</summary>
    public required IReadOnlyList<int> Widths { get; init; }

    public override string Family => "flatten-MLP";

    /// <summary>H·W·3, the flattened image.</summary>
    public long InputDim => (long)ImageSize * ImageSize * InChannels;

    public override void Validate()
    {
        base.Validate();
        Require(Widths.Count > 0 && Widths.All(w => w > 0), $"hidden widths must be positive (got {List(Widths)})");
    }

    public override FlattenMlp Build(long seed = 0, Device? device = null) => Built(seed, device, g => new FlattenMlp(this, g));

    protected internal override IEnumerable<CostRow> CostRows()
    {
        yield return new CostRow("flatten", [InputDim], 0, 0);
        long previous = InputDim;
        for (int i = 0; i < Widths.Count; i++)
        {
            yield return Cost.Linear(previous, Widths[i], name: $"fc{i + 1}");
            previous = Widths[i];
        }
        yield return Cost.Linear(previous, Classes, name: "head");
    }
}

/// <summary>
/// The seeds' TraditionalFlattenMLP: flatten the image to one H·W·3 vector — every pixel's
/// neighbourhood is lost — then Linear → ReLU per hidden width, then a linear classifier. Its first
/// layer alone holds H·W·3·hidden weights: 4× more at twice the resolution. PyTorch's default init
/// (as the seed).
/// </summary>
public sealed class FlattenMlp : StagedModel
{
    readonly ModuleList<Linear> hidden;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public FlattenMlp(FlattenMlpConfig config, Generator? generator = null) : base("FlattenMlp")
    {
        config.Validate();
        Config = config;
        hidden = new ModuleList<Linear>();
        long previous = config.InputDim;
        foreach (var width in config.Widths)
        {
            hidden.Add(nn.Linear(previous, width));
            previous = width;
        }
        head = nn.Linear(previous, config.Classes);
        RegisterComponents();
        Init.TorchDefaults(this, generator);
    }

    public FlattenMlpConfig Config { get; }

    /// <summary>The hidden layers; [0] is the image-sized first layer.</summary>
    public IReadOnlyList<Linear> Hidden => [.. hidden];

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Op("flatten", x => x.flatten(1));             // [B, 3, H, W] → [B, H·W·3]
        for (int i = 0; i < hidden.Count; i++) yield return Step($"fc{i + 1}", hidden[i], y => nn.functional.relu(y));
        yield return Step("head", head);
    }
}
