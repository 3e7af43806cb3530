using MlpRevival.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// Why MLP-Mixer does not care about a fixed patch + pixel shuffle (the paper's §3.4, figure 4):
/// each of its weights can be permuted to undo the shuffle exactly.
/// </summary>
/// <remarks>
/// The shuffle convention (<see cref="FixedPermutation"/>'s, one permutation for all images): patches
/// in row-major grid order, pixels in row-major order inside a patch; the shuffled image's patch j is
/// the original patch <c>patchPerm[j]</c>, and inside every patch, for every channel, the shuffled
/// pixel q is the original pixel <c>pixelPerm[q]</c>. Then:
/// <list type="bullet">
/// <item>the stem is one linear map per patch, so gathering its kernel's p×p positions by pixelPerm
/// (K'[:, c, q] = K[:, c, pixelPerm[q]]) gives every shuffled patch the embedding of its original;</item>
/// <item>the token table is then the original with rows permuted, X' = ΠX. The token MLP
/// W2 σ(W1 x + b1) + b2 becomes Π(…) with W1' = W1Πᵀ (columns gathered by patchPerm), W2' = ΠW2,
/// b2' = Πb2 (rows gathered by patchPerm);</item>
/// <item>LayerNorm and channel-mixing act on each token alone and commute with Π; global average
/// pooling is invariant to it. So the logits are identical.</item>
/// </list>
/// A CNN has no such fix: its kernels assume neighbouring pixels are neighbours.
/// </remarks>
public static class MixerPermutation
{
    /// <summary>
    /// Permutes <paramref name="model"/>'s weights in place (stem kernel positions by the shuffle's
    /// pixel order, every token-mixing MLP by its patch order) so that, on images shuffled by
    /// <paramref name="shuffle"/>, it computes exactly what it computed on the originals.
    /// </summary>
    /// <param name="shuffle">A patch (+ pixel) shuffle of the model's own patches, at its image size.</param>
    public static void PermuteWeights(IsotropicClassifier<MixerLayer> model, FixedPermutation shuffle)
    {
        var config = model.Config;
        if (shuffle.PatchPermutation is null || shuffle.PixelPermutation is null)
            throw new ArgumentException($"a {shuffle} moves pixels across patches: no permutation of a Mixer's weights undoes it.", nameof(shuffle));
        if (shuffle.PatchSize != config.PatchSize || shuffle.Height != config.ImageSize || shuffle.Width != config.ImageSize)
            throw new ArgumentException($"the {shuffle} of {shuffle.Height}×{shuffle.Width} images is not of this Mixer's " +
                                        $"{config.PatchSize}×{config.PatchSize} patches of {config.ImageSize}² images.", nameof(shuffle));
        using var _ = no_grad();
        using var scope = NewDisposeScope();

        var kernel = model.Stem.Projection.weight!;                 // [C, 3, p, p]
        var device = kernel.device;
        var pixels = tensor(shuffle.PixelPermutation.ToArray(), device: device);
        var patches = tensor(shuffle.PatchPermutation.ToArray(), device: device);

        var flat = kernel.flatten(2);                               // [C, 3, p²]
        kernel.copy_(flat.index_select(2, pixels).reshape(kernel.shape));

        foreach (var layer in model.Blocks)
        {
            var mlp = layer.TokenMixing.Mlp;
            var w1 = mlp.Fc1.weight!;                                // [D_S, S]: columns are tokens
            w1.copy_(w1.index_select(1, patches));
            var w2 = mlp.Fc2.weight!;                                // [S, D_S]: rows are tokens
            w2.copy_(w2.index_select(0, patches));
            var b2 = mlp.Fc2.bias!;                                  // [S]
            b2.copy_(b2.index_select(0, patches));
        }
    }
}
