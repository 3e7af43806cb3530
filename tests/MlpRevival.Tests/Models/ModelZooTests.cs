using MlpRevival.Models;
using TorchSharp;
using static MlpRevival.Tests.Models.ModelTestKit;

namespace MlpRevival.Tests.Models;

/// <summary>The named configs: lookup, re-targeting with <c>with</c>, and clear errors for what cannot be built.</summary>
public class ModelZooTests
{
    [Fact]
    public void Every_name_the_issue_asks_for_is_there()
    {
        string[] required =
        [
            "mixer-s32", "mixer-s16", "mixer-b32", "mixer-b16", "mixer-l32", "mixer-l16", "mixer-h14",
            "gmlp-ti16", "gmlp-s16", "gmlp-b16", "flatten-mlp-224",
            "gmlp-seed-cifar", "mixer-cifar", "gmlp-cifar", "resnet-cifar", "vit-cifar", "amlp-cifar", "flatten-mlp-32",
            "cnn-simple-32", "cnn-pyramidal-32",
        ];
        Assert.All(required, name => Assert.Contains(name, ModelZoo.Names));
        Assert.Equal(ModelZoo.Names.Count, ModelZoo.Names.Distinct().Count());
    }

    [Fact]
    public void The_configs_carry_the_papers_sizes()
    {
        // Mixer paper Table 1: B/16 is patch 16, 12 layers, C 768, D_S 384, D_C 3072
        Assert.Equal(new MixerConfig { ImageSize = 224, PatchSize = 16, Blocks = 12, EmbedDim = 768, TokenHidden = 384, ChannelHidden = 3072, Classes = 1000 },
                     ModelZoo.Get("mixer-b16"));
        Assert.Equal(196, ((MixerConfig)ModelZoo.Get("mixer-b16")).Tokens);
        // gMLP paper: S/16 has 30 blocks, d_model 256, d_ffn 6·256
        Assert.Equal(new GmlpConfig { ImageSize = 224, PatchSize = 16, Blocks = 30, EmbedDim = 256, ChannelHidden = 1536, Classes = 1000 }, ModelZoo.Get("gmlp-s16"));
        // the seed: 16 patches + CLS = 17 tokens
        Assert.Equal(17, ((SeedGmlpConfig)ModelZoo.Get("gmlp-seed-cifar")).Tokens);
        Assert.Equal(150528, ((FlattenMlpConfig)ModelZoo.Get("flatten-mlp-224")).InputDim);
    }

    [Fact]
    public void Any_config_can_be_retargeted_with_a_with_expression()
    {
        var b16 = (MixerConfig)ModelZoo.Get("mixer-b16");
        var big = b16 with { ImageSize = 448, Classes = 10 };
        Assert.Equal(784, big.Tokens);                                        // (448/16)² = 4 × 196
        Assert.Equal(big, ModelZoo.Get("mixer-b16").At(448, 10));
        // More tokens change only the token-mixing MLPs; the channel-mixing MLPs do not depend on S
        var cost224 = Cost.Of(b16).Rows[1].Parts[1];
        var cost448 = Cost.Of(big).Rows[1].Parts[1];
        Assert.Equal(cost224.Params, cost448.Params);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelZoo.Get("mixer-xl"));
        Assert.Contains("Unknown model config 'mixer-xl'", error.Message);
        Assert.Contains("mixer-b16", error.Message);
        Assert.Contains("gmlp-cifar", error.Message);
        Assert.Equal(ModelZoo.Get("Mixer-B16"), ModelZoo.Get("mixer-b16"));    // names are case-insensitive
    }

    [Theory]
    [InlineData("mixer-b16", 200, 0, "not divisible by patch size 16")]
    [InlineData("gmlp-cifar", 30, 0, "not divisible by patch size 4")]
    [InlineData("cnn-pyramidal-32", 40, 0, "divisible by 2^4 = 16")]
    [InlineData("mixer-cifar", 32, -1, "class count must be positive")]
    [InlineData("vit-cifar", 0, 0, "image size must be positive")]
    public void Impossible_resolutions_and_class_counts_are_refused_clearly(string name, int size, int classes, string message)
    {
        var config = ModelZoo.Get(name);
        var bad = config.At(size, classes == 0 ? config.Classes : classes);
        var error = Assert.Throws<ArgumentException>(() => Cost.Of(bad));
        Assert.Contains(message, error.Message);
        Assert.Throws<ArgumentException>(() => ModelZoo.Build(bad));
    }

    [Fact]
    public void Impossible_shapes_inside_a_model_are_refused_clearly()
    {
        var gmlp = (GmlpConfig)ModelZoo.Get("gmlp-cifar");
        Assert.Contains("d_ffn = 767 is odd", Assert.Throws<ArgumentException>(() => (gmlp with { ChannelHidden = 767 }).Validate()).Message);
        Assert.Contains("5 heads do not divide the gate's 384 channels", Assert.Throws<ArgumentException>(() => (gmlp with { Heads = 5 }).Validate()).Message);
        var vit = (VitConfig)ModelZoo.Get("vit-cifar");
        Assert.Contains("3 heads do not divide the width 128", Assert.Throws<ArgumentException>(() => (vit with { Heads = 3 }).Validate()).Message);
        var seed = (SeedGmlpConfig)ModelZoo.Get("gmlp-seed-cifar");
        Assert.Contains("is odd", Assert.Throws<ArgumentException>(() => ModelZoo.Build(seed with { ChannelHidden = 2047 })).Message);
    }

    [Fact]
    public void Build_returns_a_module_on_the_requested_device()
    {
        using var model = ModelZoo.Build("cnn-simple-32", seed: 0, device: torch.CPU);
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
        Assert.Equal(Cost.Of(ModelZoo.Get("cnn-simple-32")).Params, model.ParameterCount);
        Assert.Equal(Params(model), model.ParameterCount);
    }
}
