using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Models;

/// <summary>Small helpers for the model tests.</summary>
static class ModelTestKit
{
    public static long Params(nn.Module module) => module.parameters().Sum(p => p.numel());

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.ToDouble();
    }

    public static double MaxAbs(Tensor a)
    {
        using var m = a.abs().max();
        return m.ToDouble();
    }

    /// <summary>
    /// Standard-normal test data from its own generator: the same numbers on every run, whatever other
    /// tests running in parallel do with TorchSharp's global generator.
    /// </summary>
    public static Tensor Randn(int seed, params long[] shape)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return randn(shape, generator: generator);
    }
}
