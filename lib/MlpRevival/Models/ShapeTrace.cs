using Microsoft.Data.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// One line of a shape trace: a stage, its output shape (with the batch axis), its parameters, and the
/// output's element type (null in a trace computed from a config, where nothing runs).
/// </summary>
public sealed record ShapeTraceRow(string Layer, IReadOnlyList<long> Shape, long Params, ScalarType? DType = null)
{
    /// <summary>"1×196×768"</summary>
    public string ShapeText => string.Join("×", Shape);
}

/// <summary>
/// Per-stage output shapes — the "pyramidal vs isotropic" tables: a CNN's maps shrink and deepen
/// stage by stage, a Mixer's S×C table keeps its shape from the stem to the pooling.
/// </summary>
public static class ShapeTrace
{
    /// <summary>
    /// Runs a built course model stage by stage on zeros of <paramref name="inputShape"/> (e.g. [1, 3, 32, 32]),
    /// without autograd and in eval mode (restored afterwards), and records each stage's output.
    /// The first row is the input.
    /// </summary>
    public static IReadOnlyList<ShapeTraceRow> Of(nn.Module<Tensor, Tensor> model, params long[] inputShape)
    {
        if (inputShape.Length != 4) throw new ArgumentException("the input shape is [batch, 3, height, width]", nameof(inputShape));
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        using var input = zeros(inputShape, device: device);
        return Of(model, input);
    }

    /// <summary>The same on a given input batch (on the model's device); the intermediate outputs are freed.</summary>
    public static IReadOnlyList<ShapeTraceRow> Of(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        if (model is not StagedModel staged)
            throw new ArgumentException($"ShapeTrace needs a course model (a {nameof(StagedModel)}, e.g. from ModelZoo.Build); got {model.GetType().Name}.", nameof(model));
        bool wasTraining = staged.training;
        staged.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var rows = new List<ShapeTraceRow> { new("input", input.shape, 0, input.dtype) };
            var x = input;
            foreach (var stage in staged.Stages)
            {
                x = stage.Apply(x);
                rows.Add(new ShapeTraceRow(stage.Name, x.shape, stage.Params, x.dtype));
            }
            return rows;
        }
        finally
        {
            if (wasTraining) staged.train();
        }
    }

    /// <summary>
    /// The same table from the closed-form calculator, without building anything (fine for 224²
    /// models with hundreds of millions of parameters).
    /// </summary>
    public static IReadOnlyList<ShapeTraceRow> Of(ModelConfig config, long batch = 1)
    {
        var report = Cost.Of(config);
        var rows = new List<ShapeTraceRow> { new("input", [batch, .. report.InputShape], 0) };
        rows.AddRange(report.Rows.Select(r => new ShapeTraceRow(r.Layer, [batch, .. r.OutputShape], r.Params)));
        return rows;
    }

    /// <summary>A DataFrame with columns layer, shape, params.</summary>
    public static DataFrame ToDataFrame(IEnumerable<ShapeTraceRow> rows)
    {
        var list = rows.ToList();
        return new DataFrame(
            new StringDataFrameColumn("layer", list.Select(r => r.Layer)),
            new StringDataFrameColumn("shape", list.Select(r => r.ShapeText)),
            new Int64DataFrameColumn("params", list.Select(r => r.Params)));
    }
}
