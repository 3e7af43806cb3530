using MlpRevival.Data;
using MlpRevival.Models;
using TorchSharp;
using static MlpRevival.Tests.Models.ModelTestKit;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>
/// The spatial gating unit s(Z) = Z₁ ⊙ (W·LN(Z₂) + b): initialised with W ≈ 0 and b = 1 it passes Z₁
/// through, so a fresh gMLP block is a per-token feed-forward network; heads own disjoint channel groups.
/// </summary>
public class SpatialGatingUnitTests
{
    [Fact]
    public void At_initialisation_the_sgu_passes_the_first_half_through_almost_unchanged()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        var sgu = new SpatialGatingUnit(channels: 64, tokens: 16, generator: g);
        var z = Randn(101, 2, 16, 64);
        var z1 = z.chunk(2, -1)[0];

        var s = sgu.forward(z);

        Assert.Equal(new long[] { 2, 16, 32 }, s.shape);
        // W ~ N(0, 1e-6²): W·LN(Z₂) is ~1e-6 per term, so s(Z) = Z₁ ⊙ (≈1) differs from Z₁ by ~1e-5 at most
        Assert.True(MaxAbsDiff(s, z1) < 1e-4, $"s(Z) − Z₁ = {MaxAbsDiff(s, z1)}");
        Assert.True(MaxAbs(sgu.SpatialWeights) < 1e-5);
        Assert.Equal(1.0, sgu.SpatialProjection.Bias.min().ToDouble());
        Assert.Equal(1.0, sgu.SpatialProjection.Bias.max().ToDouble());
    }

    [Fact]
    public void The_seeds_uniform_init_does_not_start_as_the_identity()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        var sgu = new SpatialGatingUnit(channels: 64, tokens: 16, uniformRange: 0.05, generator: g);
        var z = Randn(102, 2, 16, 64);
        var z1 = z.chunk(2, -1)[0];
        // W ~ U(−0.05, 0.05) over 16 tokens: the gate moves visibly away from 1
        Assert.True(MaxAbsDiff(sgu.forward(z), z1) > 0.05);
    }

    [Fact]
    public void A_fresh_gmlp_block_treats_every_token_alike_up_to_1e_4()
    {
        // With s ≈ identity the block is LN → U → GELU → V per token: it commutes with any token permutation.
        using var scope = NewDisposeScope();
        var block = new GmlpBlock(dim: 32, ffn: 192, tokens: 16);
        var x = Randn(103, 1, 16, 32);
        using var pi = FixedPermutation.Patches(4, seed: 1, height: 16, width: 16);   // Π: an order of 16 tokens
        var permutedThenBlock = block.forward(pi.PermuteTokens(x));
        var blockThenPermuted = pi.PermuteTokens(block.forward(x));
        Assert.True(MaxAbsDiff(permutedThenBlock, blockThenPermuted) < 1e-4);
    }

    [Fact]
    public void Multi_head_gates_have_one_n_by_n_matrix_per_head_acting_on_their_own_channels()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        var sgu = new SpatialGatingUnit(channels: 48, tokens: 9, heads: 4, generator: g);  // gate half: 24 channels, 6 per head
        Assert.Equal(new long[] { 4, 9, 9 }, sgu.SpatialWeights.shape);
        Assert.Equal(new long[] { 4, 9 }, sgu.SpatialProjection.Bias.shape);
        Assert.Equal(4 * (9 * 9 + 9) + 2 * 24, Params(sgu));

        var z = Randn(104, 2, 9, 48);
        var before = sgu.forward(z);
        using (no_grad()) sgu.SpatialProjection.Weight[1].add_(0.5);   // change head 1 only
        var after = sgu.forward(z);

        var changed = (after - before).abs().amax([0, 1]);              // per output channel
        for (int ch = 0; ch < 24; ch++)
        {
            bool inHead1 = ch / 6 == 1;
            Assert.True(inHead1 ? changed[ch].ToDouble() > 1e-3 : changed[ch].ToDouble() == 0,
                $"channel {ch}: change {changed[ch].ToDouble()} (head 1 owns channels 6–11)");
        }
    }

    [Fact]
    public void With_one_head_the_spatial_projection_is_the_seeds_einsum()
    {
        // seed: v = einsum('b n d, m n -> b m d', v, weight) + bias[m]
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        var proj = new SpatialProjection(tokens: 5, heads: 1, uniformRange: 0.3, generator: g);
        var v = Randn(105, 2, 5, 3);
        var expected = einsum("bnd,mn->bmd", v, proj.Weight[0]) + proj.Bias[0].reshape(1, 5, 1);
        Assert.True(MaxAbsDiff(proj.forward(v), expected) < 1e-6);
    }

    [Fact]
    public void The_gmlp_classifier_exposes_every_blocks_spatial_weights_for_heatmaps()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Get<GmlpConfig>("gmlp-cifar").Build();
        var w = model.SpatialWeights();
        Assert.Equal(new long[] { 6, 4, 64, 64 }, w.shape);          // layers, heads, n, n
        Assert.False(w.requires_grad);
        Assert.Equal(new long[] { 64, 64 }, w[0].mean([0]).shape);   // the heads averaged, as in the seed's figure
    }

    [Fact]
    public void Amlp_adds_a_tiny_attention_to_every_gate()
    {
        using var model = ModelZoo.Get<GmlpConfig>("amlp-cifar").Build();
        Assert.All(model.Blocks, b => Assert.Equal(64, b.TinyAttention!.AttentionDim));
        using var gmlp = ModelZoo.Build("gmlp-cifar");
        // per block: qkv 128→192 and proj 64→384, with biases
        long perBlock = (128 * 192 + 192) + (64 * 384 + 384);
        Assert.Equal(Params(gmlp) + 6 * perBlock, Params(model));
    }
}
