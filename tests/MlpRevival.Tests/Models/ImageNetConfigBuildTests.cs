using System.Diagnostics;
using MlpRevival.Models;
using TorchSharp;
using Xunit.Abstractions;
using static MlpRevival.Tests.Models.ModelTestKit;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>The big (224²) models run one at a time, never beside other tests: some take 1.6 GB.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BigModels
{
    public const string Name = "big models";
}

/// <summary>
/// Every 224² config, built for real on the CPU (one at a time, disposed after): the built module's
/// parameter count equals the closed form (and timm's, where timm has the model), and one forward
/// pass on one image goes stage by stage through exactly the shapes and per-stage parameter counts
/// the calculator predicts, ending in [1, 1000] float32 logits.
/// </summary>
[Collection(BigModels.Name)]
public class ImageNetConfigBuildTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => new(ModelZoo.Entries.Where(e => e.Config.ImageSize == 224).Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Built_module_matches_the_closed_form_stage_by_stage(string name)
    {
        var watch = Stopwatch.StartNew();
        var config = ModelZoo.Get(name);
        var cost = Cost.Of(config);
        using (var model = ModelZoo.Build(config, seed: 0))
        {
            long built = Params(model);
            Assert.Equal(cost.Params, built);
            var timm = ReferenceNumbers.Timm.SingleOrDefault(t => t.Name == name);
            if (timm is not null) Assert.Equal(timm.TorchParams, built);
            if (name == "mixer-h14") Assert.Equal(ReferenceNumbers.MixerH14TorchParams, built);
            var buildTime = watch.Elapsed;

            using var image = Randn(101, 1, 3, 224, 224);
            var trace = ShapeTrace.Of(model, image);
            var predicted = ShapeTrace.Of(config);
            Assert.Equal(predicted.Select(r => r.Layer), trace.Select(r => r.Layer));
            Assert.Equal(predicted.Select(r => r.ShapeText), trace.Select(r => r.ShapeText));
            Assert.Equal(predicted.Select(r => r.Params), trace.Select(r => r.Params));
            Assert.Equal(new long[] { 1, 1000 }, trace[^1].Shape);
            Assert.Equal(ScalarType.Float32, trace[^1].DType);
            output.WriteLine($"{name}: {built:N0} params; build {buildTime.TotalSeconds:F1} s, forward {(watch.Elapsed - buildTime).TotalSeconds:F1} s");
        }
        GC.Collect();
    }

    [Fact]
    public void A_forward_pass_on_a_224_image_gives_finite_logits_that_depend_on_the_image()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Build("gmlp-ti16", seed: 1);
        model.eval();
        using var _ = no_grad();
        var logits = model.forward(Randn(102, 2, 3, 224, 224));
        Assert.Equal(new long[] { 2, 1000 }, logits.shape);
        Assert.False(logits.isnan().any().ToBoolean() || logits.isinf().any().ToBoolean());
        Assert.True(MaxAbsDiff(logits[0], logits[1]) > 1e-4, "two different images should not give the same logits");
    }
}
