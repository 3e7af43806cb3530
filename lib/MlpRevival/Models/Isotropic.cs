using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The config of an isotropic MLP family — one the trunk <see cref="IsotropicClassifier{TBlock}"/>
/// builds, as timm's <c>MlpMixer</c> builds Mixer, ResMLP and gMLP: the family supplies its block
/// (timm's <c>block_layer</c>), optionally its norm (<c>norm_layer</c>) and its initialisation
/// (<c>_init_weights</c>); the trunk and the cost of the trunk are written once, here.
/// </summary>
/// <typeparam name="TBlock">The family's block (a MixerLayer, a GmlpBlock …), so a built model hands out typed blocks.</typeparam>
public abstract record IsotropicConfig<TBlock> : PatchConfig where TBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>A new block of this config's sizes (timm's <c>block_layer</c>), initialised later by <see cref="InitWeights"/>.</summary>
    protected internal abstract TBlock NewBlock();

    /// <summary>One block's closed-form cost (see <see cref="Cost"/>), named <paramref name="name"/>.</summary>
    protected internal abstract CostRow BlockCost(string name);

    /// <summary>
    /// What the family's paper calls a block: the stages are "layer 1 …" for Mixer, "block 1 …" for
    /// gMLP, and the block list's state-dict name is the plural ("layers.0.…", "blocks.0.…").
    /// </summary>
    protected internal virtual string BlockName => "block";

    /// <summary>The norm after the last block (timm's <c>norm_layer</c>): LayerNorm, eps 1e-6.</summary>
    protected internal virtual nn.Module<Tensor, Tensor> NewNorm() => nn.LayerNorm(EmbedDim, eps: 1e-6);

    /// <summary>The final norm's cost row: two vectors of <see cref="PatchConfig.EmbedDim"/>.</summary>
    protected internal virtual CostRow NormCost() => Cost.LayerNorm(EmbedDim, Tokens);

    /// <summary>
    /// The family's initialisation, one module at a time, children before their parent (timm's
    /// <c>_init_weights</c> applied by <c>named_apply</c>): LeCun-normal patch stem with zero bias;
    /// Xavier-uniform Linears with N(0, 1e-6²) biases; norms at scale 1, shift 0; a module with its own
    /// rule (<see cref="IInitWeights"/>, e.g. a gMLP block's gate: W ≈ 0, b = 1) follows it, after its
    /// children, so it may override them. The head: timm zeroes
    /// it (every untrained model then outputs the same logits for every image); the course gives it the
    /// Xavier init of the other Linears with a zero bias, so an untrained model's outputs already depend
    /// on its input (the permutation demonstrations need that).
    /// </summary>
    protected internal virtual void InitWeights(string name, nn.Module module, Generator? generator)
    {
        switch (module)
        {
            case Linear linear:
                Init.XavierUniform(linear.weight!, generator);
                if (linear.bias is { } bias)
                {
                    if (name == "head") Init.Norm(null, bias);
                    else Init.Normal(bias, 1e-6, generator);
                }
                break;
            case IInitWeights own:
                own.InitWeights(generator);
                break;
            default:
                Init.TimmConvOrNorm(module, generator);
                break;
        }
    }

    /// <inheritdoc/>
    public override IsotropicClassifier<TBlock> Build(long seed = 0, Device? device = null) =>
        Built(seed, device, generator => new IsotropicClassifier<TBlock>(this, generator));

    /// <summary>stem → blocks → norm → pool → head, the stages of <see cref="IsotropicClassifier{TBlock}"/>.</summary>
    protected internal sealed override IEnumerable<CostRow> CostRows()
    {
        yield return StemCost();
        for (int i = 1; i <= Blocks; i++) yield return BlockCost($"{BlockName} {i}");
        yield return NormCost();
        yield return new CostRow("pool", [EmbedDim], 0, 0);
        yield return Cost.Linear(EmbedDim, Classes, name: "head");
    }
}

/// <summary>
/// The isotropic trunk of MLP-Mixer, gMLP/aMLP and their relatives (timm's <c>MlpMixer</c>): a
/// per-patch linear stem → N blocks of the family, each keeping the S×C table's shape → norm → global
/// average pooling over the tokens → linear head. No position embedding, no CLS token. The blocks and
/// the initialisation come from the config (<see cref="IsotropicConfig{TBlock}"/>).
/// </summary>
/// <typeparam name="TBlock">The family's block.</typeparam>
public sealed class IsotropicClassifier<TBlock> : StagedModel where TBlock : nn.Module<Tensor, Tensor>
{
    readonly PatchEmbedding stem;
    readonly ModuleList<TBlock> blocks;
    readonly nn.Module<Tensor, Tensor> norm;
    readonly Linear head;

    /// <param name="generator">The source of the initial weights (null: TorchSharp's global generator).</param>
    public IsotropicClassifier(IsotropicConfig<TBlock> config, Generator? generator = null) : base(config.Family)
    {
        config.Validate();
        Config = config;
        stem = new PatchEmbedding(ModelConfig.InChannels, config.EmbedDim, config.PatchSize, "stem");
        blocks = new ModuleList<TBlock>();
        for (int i = 0; i < config.Blocks; i++) blocks.Add(config.NewBlock());
        norm = config.NewNorm();
        head = nn.Linear(config.EmbedDim, config.Classes);
        // Registered by name rather than by field (see RegisterComponents below): the block list keeps
        // its family's name, so Mixer's weights stay "layers.0.…" and gMLP's "blocks.0.…" in checkpoints.
        register_module("stem", stem);
        register_module(config.BlockName + "s", blocks);
        register_module("norm", norm);
        register_module("head", head);
        Init.Apply(this, (name, module) => config.InitWeights(name, module, generator));
    }

    /// <summary>Everything is registered in the constructor, under the family's names; nothing to add by field.</summary>
    protected override void RegisterComponents() { }

    public IsotropicConfig<TBlock> Config { get; }

    /// <summary>The per-patch linear stem.</summary>
    public PatchEmbedding Stem => stem;

    /// <summary>The family's blocks, in order (Mixer layers, gMLP blocks …).</summary>
    public IReadOnlyList<TBlock> Blocks => [.. blocks];

    /// <summary>The norm after the last block.</summary>
    public nn.Module<Tensor, Tensor> Norm => norm;

    public Linear Head => head;

    protected override IEnumerable<Stage> BuildStages()
    {
        yield return Step("stem", stem);
        for (int i = 0; i < blocks.Count; i++) yield return Step($"{Config.BlockName} {i + 1}", blocks[i]);
        yield return Step("norm", norm);
        yield return Op("pool", x => x.mean([1]));            // global average over the S tokens
        yield return Step("head", head);
    }
}
