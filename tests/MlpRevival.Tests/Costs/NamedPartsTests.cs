using MlpRevival.Lessons;
using MlpRevival.Models;

// Not "MlpRevival.Tests.Cost": a namespace called Cost would hide the Cost class in this file.
namespace MlpRevival.Tests.Costs;

/// <summary>
/// Reading a cost report by name (notebook 03: no Parts[0].Parts[1]) and the token-mixing costs
/// against the sequence length of notebook 04, against hand counts.
/// </summary>
public class NamedPartsTests
{
    [Fact]
    public void A_Mixer_report_read_by_name()
    {
        var report = Cost.Of("mixer-b16");
        Assert.Equal(768L * 1000 + 1000, report.Row("head").Params);
        Assert.Equal(12, report.Blocks.Count);
        Assert.All(report.Blocks, b => Assert.StartsWith("layer ", b.Layer));
        var tokenMlp = report.Blocks[0].Part("token-mixing").Part("token MLP");
        Assert.Equal(2L * 196 * 384 + 384 + 196, tokenMlp.Params);
        Assert.Same(report.Rows[1].Parts[0].Parts[1], tokenMlp);
        Assert.Throws<ArgumentException>(() => report.Row("no such stage"));
        Assert.Throws<ArgumentException>(() => report.Blocks[0].Part("no such part"));
    }

    [Fact]
    public void A_gMLP_and_a_ViT_report_have_block_rows()
    {
        Assert.Equal(30, Cost.Of("gmlp-ti16").Blocks.Count);
        Assert.Equal(6, Cost.Of("vit-cifar").Blocks.Count);
    }

    [Fact]
    public void Token_mixing_at_196_tokens_by_hand()
    {
        var at196 = Assert.Single(GmlpGating.TokenMixingCosts([196], ModelZoo.Get<MixerConfig>("mixer-b16"),
            ModelZoo.Get<GmlpConfig>("gmlp-b16"), new VitConfig { PatchSize = 16, Blocks = 12, EmbedDim = 768, Heads = 12, ChannelHidden = 3072 }));
        Assert.Equal((2L * 196 * 384 + 384 + 196, 768L * 2 * 196 * 384), (at196.MixerTokenMlp.Params, at196.MixerTokenMlp.Macs));
        Assert.Equal((196L * 196 + 196, 196L * 196 * 1536), (at196.GmlpSpatial.Params, at196.GmlpSpatial.Macs));
        Assert.Equal((4L * 768 * 768 + 4 * 768, 4L * 196 * 768 * 768 + 2L * 196 * 196 * 768), (at196.Attention.Params, at196.Attention.Macs));
    }
}
