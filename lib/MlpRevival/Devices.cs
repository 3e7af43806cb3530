using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival;

/// <summary>
/// Where tensors live. The choice is made at run time: CUDA when the CUDA build of TorchSharp is
/// installed (-p:TorchBackend=cuda) and a GPU answers, the CPU otherwise. The environment variable
/// MLP_REVIVAL_DEVICE (auto, cpu, cuda, cuda:1) overrides the automatic choice.
/// </summary>
public static class Devices
{
    public const string EnvironmentVariable = "MLP_REVIVAL_DEVICE";

    /// <summary>The device the course uses unless told otherwise.</summary>
    public static Device Default => Choose(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>True when TorchSharp can reach a CUDA device in this process.</summary>
    public static bool CudaAvailable
    {
        get
        {
            try { return cuda.is_available(); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Picks a device from a preference: null, "" or "auto" means CUDA if available, else CPU.
    /// Asking for CUDA where there is none is an error that says how to get it.
    /// </summary>
    public static Device Choose(string? preference)
    {
        var p = (preference ?? "auto").Trim().ToLowerInvariant();
        if (p is "" or "auto") return CudaAvailable ? CUDA : CPU;
        if (p == "cpu") return CPU;
        if (p.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!CudaAvailable)
                throw new InvalidOperationException(
                    $"Device '{preference}' was requested but CUDA is not available in this process. " +
                    "CUDA needs the CUDA build of TorchSharp (build with -p:TorchBackend=cuda on Linux) and an NVIDIA GPU " +
                    $"with its driver. Use 'cpu' or 'auto' (or unset {EnvironmentVariable}) to run on the CPU.");
            return torch.device(p);
        }
        throw new ArgumentException(
            $"Unknown device '{preference}'. Use auto, cpu, cuda or cuda:N.", nameof(preference));
    }
}
