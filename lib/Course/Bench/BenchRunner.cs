using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlpRevival.Models;
using TorchSharp;

namespace MlpRevival.Cli.Bench;

/// <summary>Everything one `course bench` run measured.</summary>
sealed record BenchReport(BenchPlan Plan, IReadOnlyList<BenchRow> Rows, string TorchSharp, PythonChoice? Python, string? PytorchVersion,
                          IReadOnlyList<string> PytorchBlas, double OursPeakGflops, double? PytorchPeakGflops, string? PytorchNote,
                          IReadOnlyList<double>? LoadStart, IReadOnlyList<double>? LoadEnd)
{
    public bool AnyMismatch => Rows.Any(r => r.ParamsMismatch);
}

/// <summary>
/// Runs the bench: our side in this process (TorchSharp), the PyTorch side in one worker process,
/// the same models, batch, thread count, optimizer and kind of input on both. For every model and
/// batch: build both, check that the parameter counts agree, warm both up, then alternate timed
/// windows (ours first in even windows, PyTorch first in odd ones) so that a slow spell of the
/// shared machine hits both sides alike. Each side's GEMM peak is measured before and after the
/// rows, in its own process, and the better of the two kept.
/// </summary>
static class BenchRunner
{
    static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(5);

    public static BenchReport Run(BenchPlan plan, PythonChoice? python, Action<string> log)
    {
        plan.Validate();
        torch.set_num_threads(plan.Threads);
        var torchSharp = $"TorchSharp {VersionOf(typeof(torch).Assembly)} (libtorch {torch.__version__})";
        var loadStart = LoadAverage();

        PyTorchWorker? worker = null;
        string? pytorchVersion = null, pytorchNote = null;
        int? pytorchThreads = null;
        var blas = new List<string>();
        var twins = new HashSet<string>();
        if (python is null) pytorchNote = "PyTorch side not run (--no-pytorch).";
        else if (!python.Found) pytorchNote = "PyTorch side not run: " + python.Reason;
        else
        {
            try
            {
                log($"PyTorch side: {python.Path}, {plan.Threads} threads");
                worker = PyTorchWorker.Start(python.Path!, plan.Threads);
                var hello = worker.Request(new JsonObject { ["op"] = "hello", ["threads"] = plan.Threads }, SetupTimeout);
                pytorchVersion = hello["torch"]?.GetValue<string>();
                pytorchThreads = hello["threads"]?.GetValue<int>();
                blas.AddRange(hello["blas"]?.AsArray().Select(b => b?.GetValue<string>() ?? "") ?? []);
                twins.UnionWith(hello["families"]?.AsArray().Select(f => f?.GetValue<string>() ?? "") ?? []);
            }
            catch (PyTorchFailure e)
            {
                pytorchNote = "PyTorch side not run: " + e.Message;
                worker?.Dispose();
                worker = null;
            }
        }

        try
        {
            log($"GEMM peak ({plan.GemmSize}² float32 matmul, best of {plan.GemmRepeats})…");
            double oursPeak = OursGemm(plan);
            double? pytorchPeak = worker is null ? null : PytorchGemm(ref worker, plan, ref pytorchNote);

            var measured = new List<Func<double, double?, BenchRow>>();
            foreach (var name in plan.Models)
                foreach (var batch in plan.Batches)
                    measured.Add(MeasureRow(plan, name, batch, ref worker, pytorchThreads, twins, ref pytorchNote, pytorchVersion, python, torchSharp, log));

            log("GEMM peak again…");
            oursPeak = Math.Max(oursPeak, OursGemm(plan));
            if (worker is not null && PytorchGemm(ref worker, plan, ref pytorchNote) is { } again) pytorchPeak = Math.Max(pytorchPeak ?? 0, again);
            var rows = measured.Select(finish => finish(oursPeak, pytorchPeak)).ToList();
            return new BenchReport(plan, rows, torchSharp, python, pytorchVersion, blas, oursPeak, pytorchPeak, pytorchNote, loadStart, LoadAverage());
        }
        finally
        {
            worker?.Dispose();
        }
    }

    static double OursGemm(BenchPlan plan) => Gemm.Measure(plan.GemmSize, torch.CPU, plan.GemmRepeats).Gflops;

    static double? PytorchGemm(ref PyTorchWorker? worker, BenchPlan plan, ref string? note)
    {
        if (worker is null) return null;
        try
        {
            var reply = worker.Request(new JsonObject { ["op"] = "gemm", ["size"] = plan.GemmSize, ["repeats"] = plan.GemmRepeats }, SetupTimeout);
            return reply["gflops"]!.GetValue<double>();
        }
        catch (PyTorchFailure e)
        {
            Drop(ref worker, ref note, e);
            return null;
        }
    }

    static void Drop(ref PyTorchWorker? worker, ref string? note, PyTorchFailure e)
    {
        note = "PyTorch side stopped: " + e.Message;
        worker?.Dispose();
        worker = null;
    }

    /// <summary>Measures one model at one batch; the returned function completes the row once the peaks are final.</summary>
    static Func<double, double?, BenchRow> MeasureRow(BenchPlan plan, string name, int batch, ref PyTorchWorker? worker, int? pytorchThreads, IReadOnlySet<string> twins,
        ref string? runNote, string? pytorchVersion, PythonChoice? python, string torchSharp, Action<string> log)
    {
        var entry = ModelZoo.Entry(name);
        var config = entry.Config;
        long macs = Cost.Of(config).Macs;
        var load = LoadAverage();
        using var ours = new OursSession(config, batch, plan.LearningRate, plan.WeightDecay);

        string? note = runNote;
        long? pytorchParams = null;
        bool mismatch = false;
        var twin = PytorchTwin(config);
        if (worker is not null && !twins.Contains(twin.Family)) note = $"no PyTorch twin of a {config.Family} model in bench_pytorch.py: ours only.";
        bool pytorch = worker is not null && twins.Contains(twin.Family);
        if (pytorch)
        {
            try
            {
                var reply = worker!.Request(new JsonObject
                {
                    ["op"] = "setup", ["model"] = entry.Name, ["family"] = twin.Family, ["config"] = twin.Config,
                    ["batch"] = batch, ["image_size"] = config.ImageSize, ["classes"] = config.Classes,
                    ["lr"] = plan.LearningRate, ["weight_decay"] = plan.WeightDecay, ["seed"] = 0,
                }, SetupTimeout);
                pytorchParams = reply["params"]!.GetValue<long>();
                if (pytorchParams != ours.Params)
                {
                    mismatch = true;
                    pytorch = false;
                    note = $"parameter counts differ (ours {ours.Params:N0}, PyTorch {pytorchParams:N0}): not the same architecture, PyTorch side refused.";
                }
                else if (pytorchThreads is { } t && t != plan.Threads)
                    note = $"PyTorch runs {t} threads, ours {plan.Threads}.";
            }
            catch (PyTorchFailure e)
            {
                Drop(ref worker, ref runNote, e);
                note = runNote;
                pytorch = false;
            }
        }

        log($"{entry.Name} batch {batch}: {ours.Params:N0} parameters, warm-up {plan.Warmup} steps{(pytorch ? " per side" : "")}…");
        ours.Window(plan.Warmup);
        double? pytorchLoss = null;
        if (pytorch && !PytorchWindow(ref worker, plan.Warmup, ref runNote, ref note, out _, out _)) pytorch = false;

        var oursWindows = new List<double>();
        var pytorchWindows = new List<double>();
        double images = (double)batch * plan.Steps;
        for (int w = 0; w < plan.Windows; w++)
        {
            bool oursFirst = w % 2 == 0;
            if (oursFirst) oursWindows.Add(images / ours.Window(plan.Steps));
            if (pytorch)
            {
                if (PytorchWindow(ref worker, plan.Steps, ref runNote, ref note, out var seconds, out var loss))
                {
                    pytorchWindows.Add(images / seconds);
                    pytorchLoss = loss;
                }
                else pytorch = false;
            }
            if (!oursFirst) oursWindows.Add(images / ours.Window(plan.Steps));
            log(string.Create(CultureInfo.InvariantCulture,
                $"  window {w + 1}/{plan.Windows}: ours {oursWindows[^1]:F1} img/s{(pytorch && pytorchWindows.Count == w + 1 ? $", PyTorch {pytorchWindows[^1]:F1} img/s" : "")}"));
        }
        if (!pytorch && pytorchWindows.Count < plan.Windows) pytorchWindows.Clear();   // a side that stopped midway is not compared

        float oursLoss = ours.LastLoss;
        long oursParams = ours.Params;
        bool compared = pytorchWindows.Count > 0;
        string? pythonPath = python?.Path;
        return (oursPeak, pytorchPeak) => new BenchRow
        {
            Model = entry.Name, Family = config.Family, Batch = batch, Threads = plan.Threads, PytorchThreads = pytorchThreads,
            Params = oursParams, PytorchParams = pytorchParams, ForwardMacs = macs,
            OursWindowsImgS = oursWindows, PytorchWindowsImgS = compared ? pytorchWindows : null,
            OursPeakGflops = oursPeak, PytorchPeakGflops = compared ? pytorchPeak : null,
            Warmup = plan.Warmup, Steps = plan.Steps, Windows = plan.Windows,
            OursLoss = oursLoss, PytorchLoss = compared ? pytorchLoss : null, LoadAverage = load,
            TorchSharp = torchSharp, Pytorch = pytorchVersion, Python = pythonPath,
            PytorchNote = note, ParamsMismatch = mismatch,
        };
    }

    static bool PytorchWindow(ref PyTorchWorker? worker, int steps, ref string? runNote, ref string? note, out double seconds, out double? loss)
    {
        seconds = 0;
        loss = null;
        if (worker is null) return false;
        if (steps == 0) return true;
        try
        {
            var reply = worker.Request(new JsonObject { ["op"] = "train", ["steps"] = steps }, TimeSpan.FromMinutes(30));
            seconds = reply["seconds"]!.GetValue<double>();
            loss = reply["loss"]?.GetValue<double>();
            return true;
        }
        catch (PyTorchFailure e)
        {
            Drop(ref worker, ref runNote, e);
            note = runNote;
            return false;
        }
    }

    /// <summary>
    /// What bench_pytorch.py is asked to build for a config: the family (the config record's name in
    /// kebab case: MixerConfig → "mixer", SeedGmlpConfig → "seed-gmlp") and the config's named
    /// arguments in snake case (PatchSize → patch_size), its twin's constructor arguments. Whether the
    /// script has that family, its hello reply says.
    /// </summary>
    internal static (string Family, JsonObject Config) PytorchTwin(ModelConfig config)
    {
        var arguments = new JsonObject();
        foreach (var (name, value) in config.Arguments) arguments[Words(name, '_')] = JsonSerializer.SerializeToNode(value);
        return (Words(config.GetType().Name.Replace("Config", ""), '-'), arguments);
    }

    /// <summary>"SeedGmlp" → "seed-gmlp" with '-', "PatchSize" → "patch_size" with '_'.</summary>
    static string Words(string pascal, char separator) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? $"{separator}{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), or null elsewhere.</summary>
    public static IReadOnlyList<double>? LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Take(3).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    static string VersionOf(Assembly assembly)
    {
        var v = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";
        int plus = v.IndexOf('+');
        return plus > 0 ? v[..plus] : v;
    }
}
