using System.Text.Json;

namespace MlpRevival.Tests.Cli.Bench;

/// <summary>
/// `course bench` through the real CLI, with one-step windows: the JSON fields and the arithmetic
/// that ties them together, the run without PyTorch, and the parameter-count check against
/// PyTorch. No assertion on how fast anything is.
/// </summary>
public class BenchCommandTests
{
    // ---- closed forms, written out here independently of MlpRevival.Cost ----

    /// <summary>The seed gMLP at 32², patch 8 (16 patches + CLS = 17 tokens), 3 blocks of 512/2048, head 512 → 256 → 10.</summary>
    static (long Params, long Macs) SeedGmlp()
    {
        const long n = 17, d = 512, ffn = 2048, fc = 256, k = 10, patchInputs = 3 * 8 * 8, patches = 16;
        long blockParams = 2 * d + (d * ffn + ffn) + 2 * (ffn / 2) + n * n + n + (ffn / 2 * d + d);
        long parameters = (patchInputs * d + d) + d + n * d + 3 * blockParams + 2 * d + (d * fc + fc) + (fc * k + k);
        long blockMacs = n * d * ffn + n * n * (ffn / 2) + n * (ffn / 2) * d;
        long macs = patches * patchInputs * d + 3 * blockMacs + d * fc + fc * k;
        return (parameters, macs);
    }

    /// <summary>mixer-cifar: 32², patch 4 (S = 64 tokens), 6 layers, C 128, D_S 64, D_C 512, 10 classes.</summary>
    static (long Params, long Macs) MixerCifar()
    {
        const long s = 64, c = 128, ds = 64, dc = 512, k = 10, patchInputs = 3 * 4 * 4;
        long layerParams = 2 * c + (s * ds + ds + ds * s + s) + 2 * c + (c * dc + dc + dc * c + c);
        long parameters = (patchInputs * c + c) + 6 * layerParams + 2 * c + (c * k + k);
        long layerMacs = c * (s * ds + ds * s) + s * (c * dc + dc * c);
        long macs = s * patchInputs * c + 6 * layerMacs + c * k;
        return (parameters, macs);
    }

    static readonly Dictionary<string, (long Params, long Macs)> ClosedForm = new()
    {
        ["gmlp-seed-cifar"] = SeedGmlp(),
        ["mixer-cifar"] = MixerCifar(),
    };

    static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    static double? Number(JsonElement row, string name) =>
        row.GetProperty(name).ValueKind == JsonValueKind.Null ? null : row.GetProperty(name).GetDouble();

    /// <summary>Everything a row states about itself must follow from its windows, the closed-form MACs and the peaks.</summary>
    static void CheckArithmetic(JsonElement row, int windows)
    {
        var model = row.GetProperty("model").GetString()!;
        var (parameters, macs) = ClosedForm[model];
        Assert.Equal(parameters, row.GetProperty("params").GetInt64());
        Assert.Equal(macs, row.GetProperty("forward_macs").GetInt64());

        var ours = row.GetProperty("ours_windows_img_s").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(windows, ours.Length);
        Assert.All(ours, v => Assert.True(v > 0 && double.IsFinite(v), $"{model}: window img/s {v}"));
        double oursImgS = row.GetProperty("ours_img_s").GetDouble();
        Close(Median(ours), oursImgS, $"{model} ours_img_s = median of its windows");

        double flopPerImage = 3.0 * macs * 2.0;
        Close(flopPerImage, row.GetProperty("train_flop_per_image").GetDouble(), $"{model} training FLOP per image = 3 × MACs × 2");
        double oursGflops = row.GetProperty("ours_gflops").GetDouble();
        Close(flopPerImage * oursImgS / 1e9, oursGflops, $"{model} ours_gflops = 3 × MACs × 2 × img/s");
        double peak = row.GetProperty("ours_peak_gflops").GetDouble();
        Assert.True(peak > 0, $"{model}: GEMM peak {peak}");
        Close(oursGflops / peak, row.GetProperty("mfu").GetDouble(), $"{model} mfu = achieved / peak");

        if (Number(row, "pytorch_img_s") is { } pytorchImgS)
        {
            var theirs = row.GetProperty("pytorch_windows_img_s").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(windows, theirs.Length);
            Close(Median(theirs), pytorchImgS, $"{model} pytorch_img_s = median of its windows");
            Close(oursImgS / pytorchImgS, row.GetProperty("ratio").GetDouble(), $"{model} ratio = ours / pytorch");
            double pytorchGflops = row.GetProperty("pytorch_gflops").GetDouble();
            Close(flopPerImage * pytorchImgS / 1e9, pytorchGflops, $"{model} pytorch_gflops");
            Close(pytorchGflops / row.GetProperty("pytorch_peak_gflops").GetDouble(), row.GetProperty("pytorch_mfu").GetDouble(), $"{model} pytorch_mfu");
            Assert.Equal(parameters, row.GetProperty("pytorch_params").GetInt64());
        }
        else
        {
            foreach (var field in new[] { "ratio", "pytorch_gflops", "pytorch_mfu", "pytorch_peak_gflops" })
                Assert.True(row.GetProperty(field).ValueKind == JsonValueKind.Null, $"{model}: {field} should be null without PyTorch img/s");
            Assert.False(string.IsNullOrWhiteSpace(row.GetProperty("pytorch_note").GetString()), $"{model}: no PyTorch numbers and no note saying why");
        }
        Assert.Contains("3 × forward MACs × 2 FLOP", row.GetProperty("convention").GetString());
    }

    [Fact]
    public async Task Json_has_one_row_per_model_and_batch_and_its_numbers_agree_with_each_other_and_the_closed_form()
    {
        var run = await BenchCli.RunAsync(BenchCli.Tiny("gmlp-seed-cifar,mixer-cifar", "2,3", windows: 2));
        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = BenchCli.Rows(run);
        Assert.Equal(["gmlp-seed-cifar@2", "gmlp-seed-cifar@3", "mixer-cifar@2", "mixer-cifar@3"],
                     rows.Select(r => $"{r.GetProperty("model").GetString()}@{r.GetProperty("batch").GetInt32()}"));
        foreach (var row in rows)
        {
            foreach (var field in new[] { "ours_img_s", "pytorch_img_s", "ratio", "mfu", "pytorch_mfu", "ours_gflops", "ours_peak_gflops", "threads", "params", "pytorch_params" })
                Assert.True(row.TryGetProperty(field, out _), $"field {field} missing:\n{row}");
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
            CheckArithmetic(row, windows: 2);
        }
    }

    [Fact]
    public async Task Without_a_python_that_has_torch_it_reports_ours_and_says_why_and_how_to_install_it()
    {
        // A python3 as a user might have one: it runs, but has no torch.
        var folder = Directory.CreateTempSubdirectory("bench-fake-python").FullName;
        var fake = Path.Combine(folder, "python3");
        File.WriteAllText(fake, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
        BenchCli.MakeExecutable(fake);

        var json = await BenchCli.RunAsync(BenchCli.Tiny("mixer-cifar", "2"), new Dictionary<string, string> { ["MLP_REVIVAL_PYTHON"] = fake });
        Assert.True(json.ExitCode == 0, json.ToString());
        var row = Assert.Single(BenchCli.Rows(json));
        Assert.True(row.GetProperty("ours_img_s").GetDouble() > 0);
        foreach (var field in new[] { "pytorch_img_s", "ratio", "pytorch_mfu", "pytorch_params" })
            Assert.Equal(JsonValueKind.Null, row.GetProperty(field).ValueKind);
        var note = row.GetProperty("pytorch_note").GetString()!;
        Assert.Contains($"MLP_REVIVAL_PYTHON={fake}", note);
        Assert.Contains("No module named 'torch'", note);
        Assert.Contains("apt-get install python3-torch libopenblas0-pthread", note);
        Assert.Contains("apt-get install python3-torch libopenblas0-pthread", json.Stderr);
        CheckArithmetic(row, windows: 1);

        // The table for people, with /bin/false as the python: the same reason, and ours still measured.
        var table = await BenchCli.RunAsync(["--models", "mixer-cifar", "--batches", "2", "--warmup", "0", "--steps", "1", "--windows", "1", "--gemm-size", "64", "--threads", "1"],
                                            new Dictionary<string, string> { ["MLP_REVIVAL_PYTHON"] = "/bin/false" });
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("PyTorch side skipped", table.Stdout);
        Assert.Contains("MLP_REVIVAL_PYTHON=/bin/false", table.Stdout);
        Assert.Contains("apt-get install python3-torch", table.Stdout);
        Assert.Contains("training throughput", table.Stdout);
        Assert.Contains("mixer-cifar", table.Stdout);
        Assert.Contains("3 × forward MACs × 2 FLOP", table.Stdout);
    }

    [PyTorchFact]
    public async Task The_pytorch_models_have_exactly_our_parameter_counts_and_the_same_thread_count()
    {
        var run = await BenchCli.RunAsync(BenchCli.Tiny("gmlp-seed-cifar,mixer-cifar", "2"),
                                          new Dictionary<string, string> { ["MLP_REVIVAL_PYTHON"] = PyTorchFactAttribute.Python });
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var row in BenchCli.Rows(run))
        {
            var model = row.GetProperty("model").GetString()!;
            Assert.Equal(ClosedForm[model].Params, row.GetProperty("pytorch_params").GetInt64());
            Assert.Equal(row.GetProperty("params").GetInt64(), row.GetProperty("pytorch_params").GetInt64());
            Assert.False(row.GetProperty("params_mismatch").GetBoolean());
            Assert.Equal(1, row.GetProperty("pytorch_threads").GetInt32());
            Assert.True(Number(row, "pytorch_img_s") > 0, $"{model}: no PyTorch throughput\n{run}");
            CheckArithmetic(row, windows: 1);
        }
    }

    [PyTorchFact]
    public async Task A_pytorch_model_with_another_parameter_count_is_refused_and_fails_the_run()
    {
        // A python that runs the real one, but edits the bench's Mixer head (no bias: 10 parameters fewer).
        var folder = Directory.CreateTempSubdirectory("bench-edited-python").FullName;
        var wrapper = Path.Combine(folder, "python3");
        File.WriteAllText(wrapper,
            $"#!{PyTorchFactAttribute.Python}\n" +
            "import os, sys\n" +
            "args = sys.argv[1:]\n" +
            "if '-c' in args:\n" +
            "    i = args.index('-c') + 1\n" +
            "    args[i] = args[i].replace('self.head = nn.Linear(embed_dim, classes)', 'self.head = nn.Linear(embed_dim, classes, bias=False)')\n" +
            $"os.execv({JsonSerializer.Serialize(PyTorchFactAttribute.Python)}, [{JsonSerializer.Serialize(PyTorchFactAttribute.Python)}] + args)\n");
        BenchCli.MakeExecutable(wrapper);

        var run = await BenchCli.RunAsync(BenchCli.Tiny("gmlp-seed-cifar,mixer-cifar", "2"), new Dictionary<string, string> { ["MLP_REVIVAL_PYTHON"] = wrapper });
        Assert.True(run.ExitCode == 1, run.ToString());
        var rows = BenchCli.Rows(run).ToDictionary(r => r.GetProperty("model").GetString()!);

        var mixer = rows["mixer-cifar"];
        Assert.True(mixer.GetProperty("params_mismatch").GetBoolean());
        Assert.Equal(ClosedForm["mixer-cifar"].Params - 10, mixer.GetProperty("pytorch_params").GetInt64());
        Assert.Equal(JsonValueKind.Null, mixer.GetProperty("pytorch_img_s").ValueKind);
        Assert.Equal(JsonValueKind.Null, mixer.GetProperty("ratio").ValueKind);
        Assert.Contains("parameter counts differ", mixer.GetProperty("pytorch_note").GetString());
        Assert.Contains("parameter count differs", run.Stderr);

        var gmlp = rows["gmlp-seed-cifar"];                       // the other model is still compared
        Assert.False(gmlp.GetProperty("params_mismatch").GetBoolean());
        Assert.True(Number(gmlp, "ratio") > 0);
    }

    [Fact]
    public async Task Bad_options_exit_with_code_2_and_say_what_is_wrong()
    {
        var unknown = await BenchCli.RunAsync(["--models", "no-such-model"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown model config 'no-such-model'", unknown.Stderr);
        Assert.Contains("mixer-cifar", unknown.Stderr);

        var batch = await BenchCli.RunAsync(["--batches", "32,zero"]);
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("--batches: 'zero' is not a positive integer", batch.Stderr);
    }
}
