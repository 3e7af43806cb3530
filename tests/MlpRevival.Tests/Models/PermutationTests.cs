using MlpRevival.Data;
using MlpRevival.Models;
using TorchSharp;
using static MlpRevival.Tests.Models.ModelTestKit;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>
/// Order: what each architecture does with a permutation of its input. Mixer is exactly invariant to a
/// fixed patch + pixel shuffle once its weights are permuted to match (the mechanism behind the Mixer
/// paper's figure 4); token-mixing itself is order-sensitive (so Mixer needs no position embedding);
/// self-attention without position embeddings is permutation-equivariant (so ViT needs one).
/// </summary>
public class PermutationTests
{
    /// <summary>16² images, patch 4 (a 4×4 grid), one layer of C 8, D_S 4, D_C 16, 10 classes.</summary>
    static readonly MixerConfig TinyMixer = new()
    {
        ImageSize = 16, PatchSize = 4, Blocks = 1, EmbedDim = 8, TokenHidden = 4, ChannelHidden = 16, Classes = 10,
    };

    [Fact]
    public void A_mixer_with_permuted_weights_on_shuffled_images_gives_exactly_the_original_logits()
    {
        using var scope = NewDisposeScope();
        var config = (MixerConfig)ModelZoo.Get("mixer-cifar");                  // patch 4 → 64 patches of 16 pixels
        using var original = config.Build(seed: 11);
        using var permuted = config.Build(seed: 11);                            // the same weights…
        using var shuffle = FixedPermutation.PatchAndPixel(config.PatchSize, seed: 1);
        MixerPermutation.PermuteWeights(permuted, shuffle);                     // …then permuted to match the shuffle
        original.eval();
        permuted.eval();
        using var _ = no_grad();

        var images = Randn(101, 4, 3, 32, 32);
        var shuffled = shuffle.Apply(images);
        var expected = original.forward(images);
        var actual = permuted.forward(shuffled);

        Assert.True(MaxAbsDiff(expected, actual) < 1e-5, $"logits differ by {MaxAbsDiff(expected, actual)}");
        // Not a vacuous check: the shuffle does change what the unpermuted model computes.
        Assert.True(MaxAbsDiff(expected, original.forward(shuffled)) > 1e-2);
    }

    [Fact]
    public void The_stem_of_the_permuted_mixer_embeds_each_shuffled_patch_as_its_original()
    {
        using var scope = NewDisposeScope();
        var config = TinyMixer;                                                 // a 4×4 grid of 4×4 patches
        using var original = config.Build(seed: 5);
        using var permuted = config.Build(seed: 5);
        using var shuffle = FixedPermutation.PatchAndPixel(4, seed: 3, height: 16, width: 16);
        MixerPermutation.PermuteWeights(permuted, shuffle);
        using var _ = no_grad();

        var images = Randn(102, 2, 3, 16, 16);
        var tokens = original.Stem.forward(images);                            // [2, 16, 8]
        var shuffledTokens = permuted.Stem.forward(shuffle.Apply(images));
        // token j of the shuffled image is the embedding of original patch PatchPermutation[j]
        Assert.True(MaxAbsDiff(shuffle.PermuteTokens(tokens), shuffledTokens) < 1e-5);
    }

    [Fact]
    public void Only_a_shuffle_of_the_mixers_own_patches_can_be_absorbed()
    {
        using var model = TinyMixer.Build();                                   // 16² images, 4×4 patches
        using var global = FixedPermutation.Global(seed: 1, height: 16, width: 16);
        Assert.Contains("moves pixels across patches", Assert.Throws<ArgumentException>(() => MixerPermutation.PermuteWeights(model, global)).Message);
        using var otherPatches = FixedPermutation.PatchAndPixel(2, seed: 1, height: 16, width: 16);
        Assert.Contains("4×4 patches of 16² images", Assert.Throws<ArgumentException>(() => MixerPermutation.PermuteWeights(model, otherPatches)).Message);
        using var otherSize = FixedPermutation.PatchAndPixel(4, seed: 1);    // 32² images
        Assert.Throws<ArgumentException>(() => MixerPermutation.PermuteWeights(model, otherSize));
    }

    [Fact]
    public void Token_mixing_is_order_sensitive_while_channel_mixing_is_not()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Get<MixerConfig>("mixer-cifar").Build(seed: 2);
        using var _ = no_grad();
        var layer = model.Blocks[0];
        var x = Randn(103, 2, 64, 128);
        using var pi = FixedPermutation.Patches(4, seed: 9);                   // Π: an order of the 64 patches

        // token-mixing: f(ΠX) ≠ Πf(X) — the token MLP's weights are tied to positions
        var tokenGap = MaxAbsDiff(layer.TokenMixing.forward(pi.PermuteTokens(x)), pi.PermuteTokens(layer.TokenMixing.forward(x)));
        Assert.True(tokenGap > 1e-2, $"token-mixing commuted with a permutation (gap {tokenGap})");

        // channel-mixing acts on each token alone: f(ΠX) = Πf(X)
        var channelGap = MaxAbsDiff(layer.ChannelMixing.forward(pi.PermuteTokens(x)), pi.PermuteTokens(layer.ChannelMixing.forward(x)));
        Assert.True(channelGap < 1e-5, $"channel-mixing gap {channelGap}");
    }

    [Fact]
    public void Self_attention_without_position_embeddings_is_permutation_equivariant()
    {
        using var scope = NewDisposeScope();
        var config = (VitConfig)ModelZoo.Get("vit-cifar") with { PositionEmbedding = false, ClsToken = false };
        using var vit = (VitClassifier)ModelZoo.Build(config, seed: 4);
        using var _ = no_grad();
        var x = Randn(104, 2, 64, 128);
        using var pi = FixedPermutation.Patches(4, seed: 5);

        var attention = vit.Blocks[0].Attention;
        Assert.True(MaxAbsDiff(attention.forward(pi.PermuteTokens(x)), pi.PermuteTokens(attention.forward(x))) < 1e-5);
        // the whole encoder (6 blocks of attention + MLP) too
        Assert.True(MaxAbsDiff(vit.Encode(pi.PermuteTokens(x)), pi.PermuteTokens(vit.Encode(x))) < 1e-4);
    }

    [Fact]
    public void A_vit_without_position_embedding_cannot_tell_a_patch_shuffle_and_one_with_it_can()
    {
        using var scope = NewDisposeScope();
        var noPosition = (VitConfig)ModelZoo.Get("vit-cifar") with { PositionEmbedding = false, ClsToken = false };
        var images = Randn(105, 2, 3, 32, 32);
        using var patchShuffle = FixedPermutation.Patches(4, seed: 6);
        var shuffled = patchShuffle.Apply(images);
        using var _ = no_grad();

        using var blind = ModelZoo.Build(noPosition, seed: 1);
        blind.eval();
        Assert.True(MaxAbsDiff(blind.forward(images), blind.forward(shuffled)) < 1e-6);   // GAP over an equivariant encoder (logits ~0.05)

        using var mixer = ModelZoo.Build("mixer-cifar", seed: 1);
        mixer.eval();
        Assert.True(MaxAbsDiff(mixer.forward(images), mixer.forward(shuffled)) > 1e-2);   // Mixer sees the order

        using var positioned = ModelZoo.Build(noPosition with { PositionEmbedding = true }, seed: 1);
        positioned.eval();
        Assert.True(MaxAbsDiff(positioned.forward(images), positioned.forward(shuffled)) > 1e-5); // position embeddings break the symmetry (~3e-4 at init)
    }
}
