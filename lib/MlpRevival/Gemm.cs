using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival;

/// <summary>One timed matrix product: how fast this device multiplies n×n float32 matrices.</summary>
public sealed record GemmTiming(int Size, string Device, double Milliseconds, double Gflops);

/// <summary>
/// Dense matrix multiply speed, the ceiling every MLP layer works against: a Linear layer is a GEMM.
/// 2·n³ floating-point operations per n×n product (n³ multiply-adds).
/// </summary>
public static class Gemm
{
    public static GemmTiming Measure(int size, Device? device = null, int repeats = 5)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), "size must be positive");
        device ??= Devices.Default;
        using var scope = NewDisposeScope();
        var a = randn(size, size, device: device);
        var b = randn(size, size, device: device);
        a.matmul(b);                                    // warm-up: first call allocates and picks kernels
        Synchronize(device);
        var best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b);
            Synchronize(device);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        var flops = 2.0 * size * size * (double)size;
        return new GemmTiming(size, device.ToString(), best, flops / (best / 1000) / 1e9);
    }

    static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
