using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The "per-patch fully-connected" stem of ViT, Mixer and gMLP: cut the image into non-overlapping
/// p×p patches and map each (p·p·3 numbers) to <c>dim</c> channels with one shared linear map. A
/// convolution with kernel = stride = p computes exactly that. Output: the S×C table of the Mixer
/// paper, [B, S, C] with S = (H/p)·(W/p) tokens in row-major patch order.
/// </summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Conv2d proj;

    public PatchEmbedding(int inChannels, int dim, int patch, string name = "patch_embed") : base(name)
    {
        if (patch <= 0) throw new ArgumentOutOfRangeException(nameof(patch), "patch size must be positive");
        Patch = patch;
        proj = nn.Conv2d(inChannels, dim, kernel_size: patch, stride: patch);
        RegisterComponents();
    }

    public int Patch { get; }

    /// <summary>The convolution: weight [dim, 3, p, p] (one p×p×3 → dim linear map), bias [dim].</summary>
    public Conv2d Projection => proj;

    public override Tensor forward(Tensor images)
    {
        using var grid = proj.forward(images);     // [B, C, H/p, W/p]
        using var flat = grid.flatten(2);          // [B, C, S]
        return flat.transpose(1, 2);               // [B, S, C]
    }
}
