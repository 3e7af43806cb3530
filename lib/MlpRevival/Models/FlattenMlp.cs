using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

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
        foreach (var width in config.Hidden)
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
