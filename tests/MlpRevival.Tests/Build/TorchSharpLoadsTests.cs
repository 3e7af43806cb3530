using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Build;

/// <summary>TorchSharp's native libraries load and compute inside the test process (the build's native fix).</summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void A_matrix_product_computes_in_this_process()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = a.matmul(b);
        // By hand: [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]]
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Autograd_gives_the_closed_form_gradient()
    {
        using var x = tensor(new double[] { 1.5, -2.0, 0.25 }, requires_grad: true);
        using var y = (x * x * x).sum();   // d/dx x³ = 3x²
        y.backward();
        Assert.Equal(new[] { 6.75, 12.0, 0.1875 }, x.grad!.data<double>().ToArray());
    }

    [Fact]
    public void Default_device_is_cpu_without_cuda()
    {
        if (Devices.CudaAvailable) return; // a CUDA machine picks CUDA; this one checks the CPU path
        Assert.Equal(DeviceType.CPU, Devices.Default.type);
        Assert.Equal(DeviceType.CPU, Devices.Choose("auto").type);
        var error = Assert.Throws<InvalidOperationException>(() => Devices.Choose("cuda"));
        Assert.Contains("TorchBackend=cuda", error.Message);
        Assert.Throws<ArgumentException>(() => Devices.Choose("tpu"));
    }
}
