using MlpRevival.Models;
using TorchSharp;
using static MlpRevival.Tests.Models.ModelTestKit;

// Not "MlpRevival.Tests.Cost": a namespace called Cost would hide the Cost class in this file.
namespace MlpRevival.Tests.Costs;

/// <summary>
/// The calculator against hand counts written as arithmetic, on layers small enough to count on paper,
/// and the seeds' worked examples recomputed (their printed outputs are not used: they are wrong).
/// </summary>
public class HandCountTests
{
    [Fact]
    public void Linear_5_to_7_on_3_tokens()
    {
        var row = Cost.Linear(5, 7, positions: 3);
        Assert.Equal(5 * 7 + 7, row.Params);               // weights + biases
        Assert.Equal(3 * 5 * 7, row.Macs);                 // each of 3 tokens: 7 outputs × 5 multiply-adds
        Assert.Equal(new long[] { 3, 7 }, row.OutputShape);
        Assert.Equal(5 * 7, Cost.Linear(5, 7, bias: false).Params);
        using var built = torch.nn.Linear(5, 7);
        Assert.Equal(row.Params, Params(built));
    }

    [Fact]
    public void Conv2d_small_by_hand()
    {
        // 3 → 4 channels, 3×3 kernel, 6×6 input, no padding: 4×4 output positions
        var row = Cost.Conv2d(3, 4, 3, 6, 6);
        Assert.Equal(4 * 3 * 3 * 3 + 4, row.Params);
        Assert.Equal(4 * 4 * (4 * 3 * 3 * 3), row.Macs);   // positions × out × in × k²
        Assert.Equal(new long[] { 4, 4, 4 }, row.OutputShape);
        // stride 2, padding 1: (6 + 2 − 3)/2 + 1 = 3 → 3×3 positions
        var strided = Cost.Conv2d(3, 4, 3, 6, 6, stride: 2, padding: 1);
        Assert.Equal(3 * 3 * (4 * 3 * 3 * 3), strided.Macs);
        using var built = torch.nn.Conv2d(3, 4, 3);
        Assert.Equal(row.Params, Params(built));
    }

    [Fact]
    public void The_seeds_conv_layer_for_contrast()
    {
        // 3×3, 3 → 64, with bias: 9·3·64 + 64 = 1,792 parameters at any resolution
        var at224 = Cost.Conv2d(3, 64, 3, 224, 224, padding: 1);
        var at448 = Cost.Conv2d(3, 64, 3, 448, 448, padding: 1);
        Assert.Equal(1_792, at224.Params);
        Assert.Equal(1_792, at448.Params);
        Assert.Equal(224L * 224 * 9 * 3 * 64, at224.Macs);   // 86,704,128
        Assert.Equal(448L * 448 * 9 * 3 * 64, at448.Macs);   // 4×
    }

    [Fact]
    public void The_seeds_flatten_mlp_first_layer_at_224_and_448()
    {
        var at224 = Cost.FirstLayer(224, 224, 3, 1024);
        Assert.Equal(224 * 224 * 3, at224.InputDim);                     // 150,528
        Assert.Equal(150_528L * 1024 + 1024, at224.Params);              // 154,141,696 ≈ 154M (the seed's "154 triệu")
        Assert.Equal(150_528L * 1024, at224.Macs);                       // 0.154 G MACs per image, not the seed's printed 157.3 G

        var at448 = Cost.FirstLayer(448, 448, 3, 1024);
        Assert.Equal(602_112L * 1024 + 1024, at448.Params);              // 616,563,712 ≈ 617M
        Assert.Equal(602_112L * 1024, at448.Macs);
        Assert.Equal(4.0, (double)at448.Macs / at224.Macs);              // twice the side, 4× the cost
        // …and half the first row of the flatten-mlp-224 config, the seed's TraditionalFlattenMLP (hidden_dims [2048, 1024])
        Assert.Equal(Cost.FirstLayer(224, 224, 3, 2048).Params, Cost.Of(ModelZoo.Get("flatten-mlp-224")).Rows[1].Params);
        Assert.Equal(2 * at224.Macs, Cost.Of(ModelZoo.Get("flatten-mlp-224")).Rows[1].Macs);
    }

    [Fact]
    public void Spatial_gating_unit_with_n_tokens()
    {
        // n = 5 tokens, d_ffn = 8 → a gate half of 4 channels
        var one = Cost.SpatialGatingUnit(tokens: 5, ffn: 8);
        Assert.Equal(2 * 4 + (5 * 5 + 5), one.Params);     // LayerNorm(4) + W [5×5] + b [5]
        Assert.Equal(5 * 5 * 4, one.Macs);                 // one 5×5 matrix–vector product per gate channel
        var twoHeads = Cost.SpatialGatingUnit(tokens: 5, ffn: 8, heads: 2);
        Assert.Equal(2 * 4 + 2 * (5 * 5 + 5), twoHeads.Params);
        Assert.Equal(5 * 5 * 4, twoHeads.Macs);            // heads split the channels: same work
        using var built = new SpatialGatingUnit(8, 5, heads: 2);
        Assert.Equal(twoHeads.Params, Params(built));
    }

    [Fact]
    public void A_mini_mixer_layer_the_seeds_4_patches_3_channels_example()
    {
        // S = 4 patches, C = 3 channels, D_S = 8, D_C = 12 (the seed's MixerLayer demo)
        var row = Cost.MixerLayer(tokens: 4, channels: 3, tokenHidden: 8, channelHidden: 12);
        long token = (4 * 8 + 8) + (8 * 4 + 4);            // token MLP 4 → 8 → 4
        long channel = (3 * 12 + 12) + (12 * 3 + 3);       // channel MLP 3 → 12 → 3
        long norms = 2 * (2 * 3);                          // two LayerNorm(3)
        Assert.Equal(token + channel + norms, row.Params);  // 175
        // token MLP runs once per channel (3 ×), channel MLP once per patch (4 ×)
        Assert.Equal(3 * (4 * 8 + 8 * 4) + 4 * (3 * 12 + 12 * 3), row.Macs);   // 480
        using var built = new MixerLayer(4, 3, 8, 12);
        Assert.Equal(row.Params, Params(built));
    }

    [Fact]
    public void Self_attention_by_hand()
    {
        // 5 tokens of width 4
        var row = Cost.SelfAttention(tokens: 5, dim: 4);
        Assert.Equal((4 * 12 + 12) + (4 * 4 + 4), row.Params);
        Assert.Equal(5 * 4 * 12 + 5 * 5 * 4 + 5 * 5 * 4 + 5 * 4 * 4, row.Macs);  // qkv + QKᵀ + AV + proj
        using var built = new MultiHeadSelfAttention(4, 2);
        Assert.Equal(row.Params, Params(built));
    }

    [Fact]
    public void Token_mixing_parameter_sharing_for_mixer_b16()
    {
        // S = 196 patches, D_S = 384, C = 768; the whole token MLP: W1, b1, W2, b2
        var sharing = Cost.TokenMixingSharing(tokens: 196, tokenHidden: 384, channels: 768);
        long shared = 196 * 384 + 384 + 384 * 196 + 196;   // 151,108
        Assert.Equal(shared, sharing.Shared);
        Assert.Equal(768 * shared, sharing.PerChannel);    // 116,050,944: more than all of Mixer-B/16 (59.9M)
        Assert.Equal(768, sharing.Ratio, 9);
        Assert.Equal(1 - 1.0 / 768, sharing.Saving, 12);
        // the shared MLP is exactly what one Mixer-B/16 layer holds for token-mixing (besides its LayerNorm)
        var layer = Cost.Of(ModelZoo.Get("mixer-b16")).Rows[1];
        Assert.Equal(shared, layer.Parts[0].Params - 2 * 768);
    }

    [Fact]
    public void A_mixer_layer_costs_what_the_paper_formula_says()
    {
        // per layer: 2·S·C·D_S (token) + 2·S·C·D_C (channel) MACs — linear in S, unlike attention's S²
        var b16 = (MixerConfig)ModelZoo.Get("mixer-b16");
        var layer = Cost.Of(b16).Rows[1];
        Assert.Equal(2L * 196 * 768 * 384 + 2L * 196 * 768 * 3072, layer.Macs);
        Assert.Equal(0, Cost.Of(b16).Rows.Single(r => r.Layer == "pool").Macs);
    }

    [Fact]
    public void Rows_add_up_to_the_totals_and_parts_to_their_rows()
    {
        foreach (var name in ModelZoo.Names)
        {
            var report = Cost.Of(ModelZoo.Get(name));
            Assert.Equal(report.Rows.Sum(r => r.Params), report.Params);
            Assert.Equal(report.Rows.SelectMany(r => r.Leaves()).Sum(l => l.Macs), report.Macs);
            Assert.Equal(report.Rows.SelectMany(r => r.Leaves()).Sum(l => l.Params), report.Params);
        }
    }

    [Fact]
    public void The_convention_is_stated_and_the_numbers_print_with_units()
    {
        Assert.Contains("SGU spatial projection", Cost.Convention);
        Assert.Contains("QKᵀ and AV", Cost.Convention);
        Assert.Contains("LayerNorm/BatchNorm, activations", Cost.Convention);
        Assert.Equal("12.60 G", Cost.Human(12_601_767_936));
        Assert.Equal("59.88 M", Cost.Human(59_880_472));
        Assert.Equal("1,792", Cost.Human(1_792));
        Assert.Equal("196×768", Cost.FormatShape([196, 768]));
        var frame = Cost.Of(ModelZoo.Get("mixer-cifar")).ToDataFrame();
        Assert.Equal(6 + 4, frame.Rows.Count);             // stem, 6 layers, norm, pool, head
    }
}
