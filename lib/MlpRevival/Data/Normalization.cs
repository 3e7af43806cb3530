using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

/// <summary>
/// Per-channel normalisation (x − mean) / std on the 0–1 scale, with the statistics of a training
/// set: mean over every pixel of every image, std the population standard deviation (divide by the
/// count, as torchvision's published CIFAR-10 figures do). Applied to a uint8 batch it converts to
/// float32 in the same pass.
/// </summary>
public sealed record Normalization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std) : IBatchTransform
{
    /// <summary>The statistics of <paramref name="set"/>, summed in float64 over chunks of images (exact for uint8 data).</summary>
    public static Normalization Of(ImageSet set)
    {
        int channels = set.Channels;
        var sum = new double[channels];
        var squares = new double[channels];
        const int chunk = 2048;
        for (long start = 0; start < set.Count; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            var x = set.Images.narrow(0, start, Math.Min(chunk, set.Count - start)).to(ScalarType.Float64);
            var s = x.sum([0, 2, 3]).data<double>().ToArray();
            var q = x.square().sum([0, 2, 3]).data<double>().ToArray();
            for (int c = 0; c < channels; c++) { sum[c] += s[c]; squares[c] += q[c]; }
        }
        double n = (double)set.Count * set.Height * set.Width;
        var mean = new double[channels];
        var std = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / n;                               // 0–255 scale
            double variance = Math.Max(squares[c] / n - m * m, 0);
            mean[c] = m / 255.0;
            std[c] = Math.Sqrt(variance) / 255.0;
        }
        return new Normalization(mean, std);
    }

    public Tensor Apply(Tensor batch, Generator generator) => Apply(batch);

    /// <summary>uint8 0–255 or float 0–1 [B, C, H, W] → normalised float32.</summary>
    public Tensor Apply(Tensor batch)
    {
        using var scope = torch.NewDisposeScope();
        int c = Mean.Count;
        // One multiply-add: x·(1/(255·std)) − mean/std for uint8; x·(1/std) − mean/std for 0–1 floats.
        double scale = batch.dtype == ScalarType.Byte ? 255.0 : 1.0;
        var a = torch.tensor(Std.Select(s => (float)(1.0 / (scale * s))).ToArray(), device: batch.device).view(1, c, 1, 1);
        var b = torch.tensor(Mean.Zip(Std, (m, s) => (float)(-m / s)).ToArray(), device: batch.device).view(1, c, 1, 1);
        // (A float32 input must not be changed in place: .to() would return the input itself.)
        var scaled = batch.dtype == ScalarType.Float32 ? batch.mul(a) : batch.to(ScalarType.Float32).mul_(a);
        return scaled.add_(b).MoveToOuterDisposeScope();
    }

    public override string ToString() =>
        $"normalise (mean {Show(Mean)}, std {Show(Std)})";

    static string Show(IReadOnlyList<double> v) => "[" + string.Join(", ", v.Select(x => x.ToString("F4", CultureInfo.InvariantCulture))) + "]";
}
