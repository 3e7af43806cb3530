using System.Text.Json.Serialization;

namespace MlpRevival.Cli.Bench;

/// <summary>What to measure and how long.</summary>
/// <param name="Warmup">Untimed training steps per side before the first window.</param>
/// <param name="Steps">Training steps in one timed window.</param>
/// <param name="Windows">Timed windows per side; img/s is their median.</param>
/// <param name="GemmSize">n of the n×n float32 matmul that measures each side's peak.</param>
sealed record BenchPlan(IReadOnlyList<string> Models, IReadOnlyList<int> Batches, int Threads, int Warmup, int Steps, int Windows,
                        int GemmSize = 1024, int GemmRepeats = 10, double LearningRate = 1e-3, double WeightDecay = 0.05)
{
    public static readonly string[] DefaultModels = ["gmlp-seed-cifar", "mixer-cifar"];
    public static readonly int[] DefaultBatches = [32, 128];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first impossible setting.</summary>
    public void Validate()
    {
        if (Models.Count == 0) throw new ArgumentException("--models: name at least one model.");
        foreach (var m in Models) global::MlpRevival.Models.ModelZoo.Entry(m);   // unknown names throw, listing the valid ones
        if (Batches.Count == 0 || Batches.Any(b => b < 1)) throw new ArgumentException("--batches: give positive batch sizes.");
        if (Threads < 1) throw new ArgumentException($"--threads {Threads}: give at least 1.");
        if (Warmup < 0) throw new ArgumentException($"--warmup {Warmup}: give 0 or more steps.");
        if (Steps < 1) throw new ArgumentException($"--steps {Steps}: give at least 1 step per window.");
        if (Windows < 1) throw new ArgumentException($"--windows {Windows}: give at least 1 window.");
        if (GemmSize < 16) throw new ArgumentException($"--gemm-size {GemmSize}: give at least 16.");
    }
}

/// <summary>The FLOP convention of the bench, printed with every result.</summary>
static class BenchConvention
{
    /// <summary>Training FLOP per image: forward + backward ≈ 3 forward passes, 2 FLOP per multiply-accumulate.</summary>
    public static double TrainFlopPerImage(long forwardMacs) => 3.0 * forwardMacs * 2.0;

    public const string Text =
        "achieved GFLOP/s = 3 × forward MACs × 2 FLOP × img/s / 1e9 (backward ≈ 2 forward passes; forward MACs in closed form from Cost.Of, " +
        "counting Linear, Conv2d and SGU spatial projections). MFU = achieved GFLOP/s / GEMM peak, each side its own peak " +
        "(best n×n float32 matmul measured in the same process and run). img/s = median over timed windows of training steps " +
        "(zero_grad, forward, cross-entropy, backward, AdamW), ours and PyTorch alternating window by window after warm-up. ratio = ours / PyTorch.";

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>One model at one batch size: both sides' throughput and what follows from it.</summary>
sealed record BenchRow
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("family")] public required string Family { get; init; }
    [JsonPropertyName("batch")] public required int Batch { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("pytorch_threads")] public int? PytorchThreads { get; init; }
    [JsonPropertyName("params")] public required long Params { get; init; }
    [JsonPropertyName("pytorch_params")] public long? PytorchParams { get; init; }
    [JsonPropertyName("forward_macs")] public required long ForwardMacs { get; init; }
    [JsonPropertyName("train_flop_per_image")] public double TrainFlopPerImage => BenchConvention.TrainFlopPerImage(ForwardMacs);

    [JsonPropertyName("ours_img_s")] public double OursImgS => BenchConvention.Median(OursWindowsImgS);
    [JsonPropertyName("pytorch_img_s")] public double? PytorchImgS => PytorchWindowsImgS is { Count: > 0 } w ? BenchConvention.Median(w) : null;
    [JsonPropertyName("ratio")] public double? Ratio => PytorchImgS is { } p ? OursImgS / p : null;

    [JsonPropertyName("ours_gflops")] public double OursGflops => TrainFlopPerImage * OursImgS / 1e9;
    [JsonPropertyName("pytorch_gflops")] public double? PytorchGflops => PytorchImgS is { } p ? TrainFlopPerImage * p / 1e9 : null;
    [JsonPropertyName("ours_peak_gflops")] public required double OursPeakGflops { get; init; }
    [JsonPropertyName("pytorch_peak_gflops")] public double? PytorchPeakGflops { get; init; }
    [JsonPropertyName("mfu")] public double Mfu => OursGflops / OursPeakGflops;
    [JsonPropertyName("pytorch_mfu")] public double? PytorchMfu => PytorchGflops is { } g && PytorchPeakGflops is { } peak ? g / peak : null;

    [JsonPropertyName("ours_windows_img_s")] public required IReadOnlyList<double> OursWindowsImgS { get; init; }
    [JsonPropertyName("pytorch_windows_img_s")] public IReadOnlyList<double>? PytorchWindowsImgS { get; init; }
    [JsonPropertyName("warmup")] public required int Warmup { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("windows")] public required int Windows { get; init; }
    [JsonPropertyName("ours_loss")] public float OursLoss { get; init; }
    [JsonPropertyName("pytorch_loss")] public double? PytorchLoss { get; init; }
    [JsonPropertyName("load_average")] public IReadOnlyList<double>? LoadAverage { get; init; }

    [JsonPropertyName("torchsharp")] public required string TorchSharp { get; init; }
    [JsonPropertyName("pytorch")] public string? Pytorch { get; init; }
    [JsonPropertyName("python")] public string? Python { get; init; }
    /// <summary>Why the PyTorch fields are null, or what is off about them (a parameter mismatch refuses the row's PyTorch side).</summary>
    [JsonPropertyName("pytorch_note")] public string? PytorchNote { get; init; }
    /// <summary>True when the PyTorch model was built but its parameter count differs from ours: not the same architecture, not compared.</summary>
    [JsonPropertyName("params_mismatch")] public bool ParamsMismatch { get; init; }
    [JsonPropertyName("convention")] public string Convention => BenchConvention.Text;
}
