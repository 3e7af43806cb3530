using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MlpRevival;

/// <summary>What this process runs on: versions, device and threads. Shown by notebook 00-setup and <c>course env</c>.</summary>
public sealed record EnvironmentReport(
    string Course,
    string DotNet,
    string OperatingSystem,
    string TorchSharp,
    string LibTorch,
    string TorchBackendPackage,
    string Device,
    bool CudaAvailable,
    int TorchThreads,
    int ProcessorCount,
    string PlotlyNet,
    string DataAnalysis)
{
    public static EnvironmentReport Capture() => new(
        Course: VersionOf(typeof(EnvironmentReport).Assembly),
        DotNet: RuntimeInformation.FrameworkDescription,
        OperatingSystem: $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
        TorchSharp: VersionOf(typeof(torch).Assembly),
        LibTorch: torch.__version__,
        TorchBackendPackage: BackendPackage(),
        Device: Devices.Default.ToString(),
        CudaAvailable: Devices.CudaAvailable,
        TorchThreads: torch.get_num_threads(),
        ProcessorCount: Environment.ProcessorCount,
        PlotlyNet: VersionOf(typeof(Plotly.NET.GenericChart).Assembly),
        DataAnalysis: VersionOf(typeof(Microsoft.Data.Analysis.DataFrame).Assembly));

    /// <summary>One line for the top of a notebook.</summary>
    public string Summary =>
        $"MlpRevival {Course} · TorchSharp {TorchSharp} (libtorch {LibTorch}, {TorchBackendPackage}) · device {Device} · " +
        $"{TorchThreads} torch threads on {ProcessorCount} cores · {DotNet}";

    /// <summary>Name/value rows, for tables.</summary>
    public IReadOnlyList<(string Name, string Value)> Rows() =>
    [
        ("Course library", Course), (".NET", DotNet), ("OS", OperatingSystem),
        ("TorchSharp", TorchSharp), ("libtorch", LibTorch), ("TorchSharp package", TorchBackendPackage),
        ("Device", Device), ("CUDA available", CudaAvailable ? "yes" : "no"),
        ("Torch threads", TorchThreads.ToString()), ("Processor count", ProcessorCount.ToString()),
        ("Plotly.NET", PlotlyNet), ("Microsoft.Data.Analysis", DataAnalysis),
    ];

    public override string ToString() => Summary;

    static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString() ?? "?";
        var plus = informational.IndexOf('+');   // drop the source-commit suffix
        return plus > 0 ? informational[..plus] : informational;
    }

    // The build records its TorchBackend switch in the assembly (MlpRevival.csproj).
    static string BackendPackage() =>
        typeof(EnvironmentReport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchBackend")?.Value == "cuda" ? "TorchSharp-cuda-linux" : "TorchSharp-cpu";
}
