using MlpRevival.Models;
using TorchSharp;
using static MlpRevival.Tests.Models.ModelTestKit;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>
/// The course's CIFAR-10 models: small, exactly the size the calculator says, stage by stage; float32
/// logits [B, 10]; trainable (gradients reach every parameter); the same weights for the same seed.
/// </summary>
public class CifarModelTests
{
    public static TheoryData<string> Names => new(ModelZoo.Entries.Where(e => e.Config.ImageSize == 32).Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Built_parameters_and_stage_shapes_equal_the_closed_form(string name)
    {
        var config = ModelZoo.Get(name);
        using var model = ModelZoo.Build(config, seed: 0);
        var trace = ShapeTrace.Of(model, 2, 3, 32, 32);
        var predicted = ShapeTrace.Of(config, batch: 2);

        Assert.Equal(Cost.Of(config).Params, Params(model));
        Assert.Equal(predicted.Select(r => r.Layer), trace.Select(r => r.Layer));
        Assert.Equal(predicted.Select(r => r.ShapeText), trace.Select(r => r.ShapeText));
        Assert.Equal(predicted.Select(r => r.Params), trace.Select(r => r.Params));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Logits_are_float32_batch_by_classes_and_every_parameter_gets_a_gradient(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Build(name, seed: 0);
        model.train();
        var images = Randn(101, 3, 3, 32, 32);
        var logits = model.forward(images);
        Assert.Equal(new long[] { 3, 10 }, logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);

        var loss = nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1, 2 }));
        loss.backward();
        foreach (var (pname, p) in model.named_parameters())
            Assert.True(p.grad is not null && p.grad.abs().sum().ToDouble() > 0, $"{name}: no gradient reached {pname}");
    }

    [Fact]
    public void Other_resolutions_and_class_counts_build_and_match_the_calculator()
    {
        foreach (var name in new[] { "mixer-cifar", "gmlp-cifar", "vit-cifar", "resnet-cifar", "cnn-pyramidal-32", "flatten-mlp-32", "gmlp-seed-cifar" })
        {
            var config = ModelZoo.Get(name).At(64, 100);
            using var scope = NewDisposeScope();
            using var model = ModelZoo.Build(config, seed: 0);
            Assert.Equal(Cost.Of(config).Params, Params(model));
            var trace = ShapeTrace.Of(model, 1, 3, 64, 64);
            Assert.Equal(new long[] { 1, 100 }, trace[^1].Shape);
        }
    }

    [Fact]
    public void The_cifar_configs_are_small_enough_for_a_cpu()
    {
        // The course trains these on 2–4 CPU cores in minutes: about 1M parameters (the seed's model and
        // the seed's pyramidal CNN excepted) and under 100M MACs per image.
        foreach (var entry in ModelZoo.Entries.Where(e => e.Config.ImageSize == 32))
        {
            var cost = Cost.Of(entry.Config);
            Assert.True(cost.Macs < 100_000_000, $"{entry.Name}: {cost.Macs:N0} MACs");
            if (entry.Name is not ("gmlp-seed-cifar" or "cnn-pyramidal-32" or "amlp-cifar"))
                Assert.True(cost.Params <= 1_050_000, $"{entry.Name}: {cost.Params:N0} params");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_other_weights()
    {
        using var a = ModelZoo.Build("gmlp-cifar", seed: 7);
        using var b = ModelZoo.Build("gmlp-cifar", seed: 7);
        using var c = ModelZoo.Build("gmlp-cifar", seed: 8);
        var pa = a.parameters().ToList();
        var pb = b.parameters().ToList();
        var pc = c.parameters().ToList();
        for (int i = 0; i < pa.Count; i++) Assert.True(pa[i].allclose(pb[i], rtol: 0, atol: 0), $"parameter {i} differs under the same seed");
        Assert.Contains(Enumerable.Range(0, pa.Count), i => !pa[i].allclose(pc[i], rtol: 0, atol: 0));
    }

    [Fact]
    public void Initialisation_has_the_documented_spread()
    {
        // LeCun-normal stem (variance 1/fan_in after truncation at ±2σ), Xavier-uniform Linears, SGU W ≈ 0, b = 1
        using var model = ModelZoo.Get<GmlpConfig>("gmlp-cifar").Build(seed: 0);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var stem = named["stem.proj.weight"];                      // [128, 3, 4, 4]: fan_in 48
        Assert.InRange(stem.std().ToDouble(), 0.9 * Math.Sqrt(1.0 / 48), 1.1 * Math.Sqrt(1.0 / 48));
        var u = named["blocks.0.channel_proj_u.weight"];           // [768, 128]: Xavier bound √(6/(128+768))
        double bound = Math.Sqrt(6.0 / (128 + 768));
        Assert.InRange(u.abs().max().ToDouble(), 0.95 * bound, bound);
        Assert.True(named["blocks.0.sgu.spatial_proj.weight"].abs().max().ToDouble() < 1e-5);
        // the truncated normal really is one (TorchSharp 0.107's trunc_normal_ is not: it fills with σ)
        using var t = Init.TruncatedNormal(torch.empty(20_000), 0.5);
        Assert.InRange(t.std().ToDouble(), 0.5 * 0.85, 0.5 * 0.9);      // a normal truncated at ±2σ keeps 88% of σ
        Assert.InRange(t.abs().max().ToDouble(), 0.9, 1.0);
    }

    [Fact]
    public void Resnet_cifar_is_he_et_al_resnet_20_with_zero_padding_shortcuts()
    {
        var config = (ResNetConfig)ModelZoo.Get("resnet-cifar");
        Assert.Equal(20, config.Depth);
        Assert.Equal(ResNetShortcut.ZeroPad, config.Shortcut);
        using var model = (ResNet)ModelZoo.Build(config);
        // by hand: stem 3·16·9 + 2·16; stage 1: 3 blocks × 2 × (16·16·9 + 2·16);
        // stage 2: (16·32·9 + 32·32·9 + 4·32) + 2 × 2 × (32·32·9 + 2·32); stage 3 likewise at 64; head 64·10 + 10.
        // Option A's shortcuts (subsample, zero channels) have no parameters.
        long stem = 3 * 16 * 9 + 2 * 16;
        long stage1 = 3 * 2 * (16 * 16 * 9 + 2 * 16);
        long stage2 = (16 * 32 * 9 + 32 * 32 * 9 + 4 * 32) + 2 * 2 * (32 * 32 * 9 + 2 * 32);
        long stage3 = (32 * 64 * 9 + 64 * 64 * 9 + 4 * 64) + 2 * 2 * (64 * 64 * 9 + 2 * 64);
        long head = 64 * 10 + 10;
        Assert.Equal(269_722L, stem + stage1 + stage2 + stage3 + head);
        Assert.Equal(269_722L, Params(model));
        Assert.Equal(0.27, Math.Round(Params(model) / 1e6, 2));               // He et al. Table 6: ResNet-20, 0.27M
        Assert.Equal(269_722L, Cost.Of(config).Params);

        // Option B (1×1 conv + BN where the shape changes) adds 16·32 + 2·32 and 32·64 + 2·64.
        var projection = config with { Shortcut = ResNetShortcut.Projection };
        using var projected = ModelZoo.Build(projection);
        Assert.Equal(269_722L + 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64, Params(projected));
        Assert.Equal(272_474L, Cost.Of(projection).Params);
    }

    [Fact]
    public void Zero_padding_shortcut_subsamples_and_appends_zero_channels()
    {
        using var scope = NewDisposeScope();
        // A block whose convolutions output zeros: what is left is the shortcut, through the final ReLU.
        var block = new BasicBlock(2, 5, stride: 2);
        using (no_grad())
            foreach (var (pname, p) in block.named_parameters())
                if (pname.StartsWith("bn")) p.zero_();                      // BN scale and shift 0: the residual branch is 0
        block.eval();
        var x = arange(2 * 2 * 4 * 4, dtype: ScalarType.Float32).view(2, 2, 4, 4);   // non-negative: ReLU keeps it
        var y = block.forward(x);
        Assert.Equal(new long[] { 2, 5, 2, 2 }, y.shape);
        var expected = cat([x[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)], zeros(2, 3, 2, 2)], 1);
        Assert.True(y.equal(expected).all().item<bool>(), "shortcut = x[:, :, ::2, ::2] with 3 zero channels appended");

        // The stage shapes of ResNet-20: 16×32², 32×16², 64×8², then 10 logits.
        using var model = ModelZoo.Build("resnet-cifar");
        var trace = ShapeTrace.Of(model, 2, 3, 32, 32);
        Assert.Equal(new long[] { 2, 16, 32, 32 }, trace.Single(r => r.Layer == "stage1.block3").Shape.ToArray());
        Assert.Equal(new long[] { 2, 32, 16, 16 }, trace.Single(r => r.Layer == "stage2.block1").Shape.ToArray());
        Assert.Equal(new long[] { 2, 64, 8, 8 }, trace.Single(r => r.Layer == "stage3.block1").Shape.ToArray());
        Assert.Equal(new long[] { 2, 10 }, trace.Single(r => r.Layer == "head").Shape.ToArray());
    }
}
