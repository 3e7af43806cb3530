using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// One named step of a model's forward pass, at the granularity the papers draw (stem, layer 3,
/// pooling, head). <see cref="ShapeTrace"/> runs the steps one at a time; the closed-form cost
/// calculator (<see cref="Cost.Of"/>) uses the same names, so a trace of a built
/// model and the calculator's rows can be compared line by line.
/// </summary>
public sealed class Stage(string name, Func<Tensor, Tensor> apply, Func<long> countParameters)
{
    public string Name { get; } = name;

    /// <summary>Runs this step on the output of the previous one.</summary>
    public Tensor Apply(Tensor input) => apply(input);

    /// <summary>Trainable parameters owned by this step (counted now, on the live tensors).</summary>
    public long Params => countParameters();
}

/// <summary>
/// A course model: a TorchSharp <c>Module&lt;Tensor, Tensor&gt;</c> (images [B, 3, H, W] → logits
/// [B, classes]) whose forward pass is exactly the composition of its <see cref="Stages"/>.
/// </summary>
public abstract class StagedModel : nn.Module<Tensor, Tensor>
{
    IReadOnlyList<Stage>? stages;

    protected StagedModel(string name) : base(name) { }

    /// <summary>The forward pass, step by step. Built once; each stage reads the model's current fields.</summary>
    public IReadOnlyList<Stage> Stages => stages ??= BuildStages().ToList();

    /// <summary>The steps of the forward pass, in order.</summary>
    protected abstract IEnumerable<Stage> BuildStages();

    public override Tensor forward(Tensor images)
    {
        var x = images;
        foreach (var stage in Stages)
        {
            var next = stage.Apply(x);
            // Free each intermediate as soon as the next exists; the autograd graph keeps what backward needs.
            if (!ReferenceEquals(x, images) && !ReferenceEquals(x, next)) x.Dispose();
            x = next;
        }
        return x;
    }

    /// <summary>All trainable parameters (what the papers' "Params" columns count).</summary>
    public long ParameterCount => Count(this);

    internal static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>A stage that is one sub-module.</summary>
    protected static Stage Step(string name, nn.Module<Tensor, Tensor> module) =>
        new(name, module.forward, () => Count(module));

    /// <summary>A stage that is one sub-module followed by a parameter-free function (an activation).</summary>
    protected static Stage Step(string name, nn.Module<Tensor, Tensor> module, Func<Tensor, Tensor> then) =>
        new(name, x => { using var y = module.forward(x); return then(y); }, () => Count(module));

    /// <summary>A parameter-free stage (pooling, flattening, taking the CLS token).</summary>
    protected static Stage Op(string name, Func<Tensor, Tensor> apply) => new(name, apply, () => 0);
}
