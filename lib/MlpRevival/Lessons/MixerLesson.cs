using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Lessons;

/// <summary>Helpers for notebook 03-mixer-token-channel-mixing: how far a step-by-step computation is from the library's.</summary>
public static class MixerLesson
{
    /// <summary>The largest |a − b| over all entries.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.ToDouble();
    }
}
