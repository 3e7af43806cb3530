using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// A module with an initialisation of its own, which a family's init function defers to (timm's
/// <c>init_weights</c> method hook in <c>_init_weights</c>), e.g. a gMLP block's gate: W ≈ 0, b = 1.
/// </summary>
public interface IInitWeights
{
    /// <summary>Re-draws this module's own parameters.</summary>
    void InitWeights(Generator? generator);
}

/// <summary>
/// The initialisations of the reference implementations, named as there. Every random draw takes a
/// <see cref="Generator"/>: <see cref="ModelConfig.Build"/> passes a private one
/// seeded with its seed, so a model's weights depend on the seed only — not on what other code (or
/// other threads) did with TorchSharp's global generator. A null generator means the global one.
/// All of it runs without autograd.
/// </summary>
public static class Init
{
    /// <summary>U(−bound, bound), in place.</summary>
    public static Tensor Uniform(Tensor tensor, double bound, Generator? generator)
    {
        using var _ = no_grad();
        return tensor.uniform_(-bound, bound, generator!);
    }

    /// <summary>N(0, std²), in place.</summary>
    public static Tensor Normal(Tensor tensor, double std, Generator? generator)
    {
        using var _ = no_grad();
        return tensor.normal_(0, std, generator!);
    }

    /// <summary>
    /// N(0, std²) truncated at ±2·std, in place, by PyTorch's inverse-CDF method (uniform in
    /// [2Φ(−2)−1, 2Φ(2)−1], erfinv, scale by std·√2). Written here because TorchSharp 0.107's
    /// <c>nn.init.trunc_normal_</c> fills the tensor with the constant <c>std</c> instead.
    /// </summary>
    public static Tensor TruncatedNormal(Tensor tensor, double std, Generator? generator = null)
    {
        const double phiOf2 = 0.97724986805182079;           // Φ(2), the standard normal CDF at 2
        using var _ = no_grad();
        tensor.uniform_(2 * (1 - phiOf2) - 1, 2 * phiOf2 - 1, generator!);
        tensor.erfinv_();
        tensor.mul_(std * Math.Sqrt(2.0));
        tensor.clamp_(-2 * std, 2 * std);
        return tensor;
    }

    /// <summary>fan_in and fan_out of a Linear [out, in] or convolution [out, in, k, k] weight.</summary>
    public static (long FanIn, long FanOut) Fans(Tensor weight)
    {
        long receptive = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        return (weight.shape[1] * receptive, weight.shape[0] * receptive);
    }

    /// <summary>
    /// timm's <c>lecun_normal_</c> (Flax's default, used for the patch-embedding convolution): variance
    /// 1/fan_in after truncation at ±2σ (hence the 0.8796 factor).
    /// </summary>
    public static void LecunNormal(Tensor weight, Generator? generator) =>
        TruncatedNormal(weight, Math.Sqrt(1.0 / Fans(weight).FanIn) / 0.87962566103423978, generator);

    /// <summary>Glorot/Xavier uniform: U(±√(6 / (fan_in + fan_out))).</summary>
    public static void XavierUniform(Tensor weight, Generator? generator)
    {
        var (fanIn, fanOut) = Fans(weight);
        Uniform(weight, Math.Sqrt(6.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>He/Kaiming normal for ReLU, fan-out mode (torchvision's ResNet): N(0, 2/fan_out).</summary>
    public static void KaimingNormalFanOut(Tensor weight, Generator? generator) =>
        Normal(weight, Math.Sqrt(2.0 / Fans(weight).FanOut), generator);

    /// <summary>
    /// PyTorch's default for nn.Linear and nn.Conv2d (<c>reset_parameters</c>: Kaiming-uniform with
    /// a = √5, which is U(±1/√fan_in) for the weight, and U(±1/√fan_in) for the bias) — what the seeds' models use.
    /// </summary>
    public static void TorchDefault(Tensor weight, Tensor? bias, Generator? generator)
    {
        double bound = 1 / Math.Sqrt(Fans(weight).FanIn);
        Uniform(weight, bound, generator);
        if (bias is not null) Uniform(bias, bound, generator);
    }

    /// <summary>
    /// PyTorch's defaults for every Linear and Conv2d under <paramref name="root"/>, and scale 1 / shift 0
    /// for every LayerNorm and BatchNorm2d (whose running statistics are reset too).
    /// </summary>
    public static void TorchDefaults(nn.Module root, Generator? generator)
    {
        foreach (var module in root.modules())
        {
            switch (module)
            {
                case Linear l: TorchDefault(l.weight!, l.bias, generator); break;
                case Conv2d c: TorchDefault(c.weight!, c.bias, generator); break;
                case LayerNorm n: Norm(n.weight, n.bias); break;
                case BatchNorm2d b: Norm(b.weight, b.bias); b.reset_running_stats(); break;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="init"/> on every module under <paramref name="root"/> and on the root, with its
    /// dotted name ("layers.0.token_mixing.mlp.fc1"; "" for the root), depth first, children before their
    /// parent, in registration order — timm's <c>named_apply</c>. (TorchSharp's <c>named_modules()</c>
    /// lists all children before any grandchild, which is not the order PyTorch initialises in.)
    /// </summary>
    public static void Apply(nn.Module root, Action<string, nn.Module> init, string name = "")
    {
        foreach (var (childName, child) in root.named_children())
            Apply(child, init, name.Length == 0 ? childName : $"{name}.{childName}");
        init(name, root);
    }

    /// <summary>
    /// What timm's ViT and MLP-Mixer inits do alike to everything but Linears: a convolution (the patch
    /// stem) LeCun-normal with zero bias, a LayerNorm at scale 1, shift 0. Other modules are left alone.
    /// </summary>
    public static void TimmConvOrNorm(nn.Module module, Generator? generator)
    {
        switch (module)
        {
            case Conv2d conv:
                LecunNormal(conv.weight!, generator);
                Norm(null, conv.bias);
                break;
            case LayerNorm layerNorm:
                Norm(layerNorm.weight, layerNorm.bias);
                break;
        }
    }

    /// <summary>Norm affine parameters: scale 1, shift 0.</summary>
    public static void Norm(Tensor? weight, Tensor? bias)
    {
        using var _ = no_grad();
        weight?.fill_(1);
        bias?.zero_();
    }
}
