using System.Diagnostics;
using System.Text;
using MlpRevival.Data;
using MlpRevival.Training;
using TorchSharp;
using static MlpRevival.Tests.Training.TinyProblems;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Training;

/// <summary>
/// Checkpoints that were cut short, damaged or left half-written by a kill, and resumes with other
/// settings: each is refused with what is wrong, and neither the checkpoint nor the model is touched.
/// </summary>
[Collection(GlobalTorchGenerator.Name)]
public class CheckpointTests
{
    static TrainConfig Quick => new()
    {
        Name = "tiny", Epochs = 1, BatchSize = 16, LearningRate = 3e-3, WeightDecay = 0.01, Device = "cpu", EvalBatchSize = 64,
    };

    /// <summary>A one-epoch run's checkpoint in a fresh folder, and its bytes.</summary>
    static (string Path, byte[] Bytes) OneEpoch(ImageSet train)
    {
        var path = System.IO.Path.Combine(Data.SyntheticCifar.Temp(), "run.ckpt");
        using var model = MakeMlp(0);
        var result = Trainer.Fit(model, train, null, Quick with { CheckpointPath = path }, progress: SilentProgress.Instance);
        Assert.True(result.Completed, result.Message);
        return (path, File.ReadAllBytes(path));
    }

    static float[] Weights(nn.Module model) => model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    /// <summary>Resuming from <paramref name="path"/> fails with an exception of type <typeparamref name="T"/>; the model keeps its weights and the file its bytes.</summary>
    static T RefusedResume<T>(ImageSet train, string path, TrainConfig? config = null) where T : Exception
    {
        var before = File.ReadAllBytes(path);
        using var model = MakeMlp(1);
        var weights = Weights(model);
        var e = Assert.Throws<T>(() => Trainer.Fit(model, train, null, (config ?? Quick) with { Epochs = 2, CheckpointPath = path, Resume = true },
                                                   progress: SilentProgress.Instance));
        Assert.Equal(weights, Weights(model));
        Assert.Equal(before, File.ReadAllBytes(path));
        return e;
    }

    [Fact]
    public void A_truncated_checkpoint_is_called_truncated()
    {
        using var train = Squares(10, seed: 3);
        var (path, bytes) = OneEpoch(train);
        // Cut inside the optimizer state, inside the weights, inside the header.
        foreach (var keep in new[] { bytes.Length - 100, bytes.Length / 2, 40, 8 })
        {
            File.WriteAllBytes(path, bytes[..keep]);
            var e = RefusedResume<InvalidDataException>(train, path);
            Assert.Contains("is truncated", e.Message);
            Assert.DoesNotContain("does not fit", e.Message);
            Assert.Contains("another --checkpoint path", e.Message);
        }
    }

    [Fact]
    public void A_flipped_bit_is_caught_by_the_checksum_and_nothing_is_loaded()
    {
        using var train = Squares(10, seed: 3);
        var (path, bytes) = OneEpoch(train);
        // "EpochsDone":1 → 3 in the JSON header still parses: only a checksum tells.
        int header = Encoding.Latin1.GetString(bytes).IndexOf("\"EpochsDone\":1", StringComparison.Ordinal);
        Assert.True(header > 0);
        foreach (var (at, bit) in new[] { (bytes.Length / 3, 0x01), (2 * bytes.Length / 3, 0x80), (bytes.Length - 1, 0x10), (header + "\"EpochsDone\":".Length, 0x02) })
        {
            var damaged = bytes.ToArray();
            damaged[at] ^= (byte)bit;
            File.WriteAllBytes(path, damaged);
            var e = RefusedResume<InvalidDataException>(train, path);
            Assert.Contains("is damaged", e.Message);
            Assert.Contains("SHA-256", e.Message);
        }
        File.WriteAllBytes(path, bytes);          // the intact file still resumes
        using var model = MakeMlp(1);
        var resumed = Trainer.Fit(model, train, null, Quick with { Epochs = 2, CheckpointPath = path, Resume = true }, progress: SilentProgress.Instance);
        Assert.True(resumed.Completed, resumed.Message);
        Assert.Equal(2, resumed.Epochs.Count);
    }

    [Fact]
    public void Temporary_files_of_a_killed_save_are_removed_by_the_next_save_and_the_next_load()
    {
        using var train = Squares(10, seed: 3);
        var dir = Data.SyntheticCifar.Temp();
        var path = Path.Combine(dir, "run.ckpt");
        int dead = DeadProcessId();
        string Stale()
        {
            // What a kill during AtomicFile.Write leaves: the hidden temporary of a process that no longer runs.
            var temp = Path.Combine(dir, $".run.ckpt.{dead}-{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(temp, new byte[4096]);
            return temp;
        }
        var alive = Path.Combine(dir, $".run.ckpt.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");   // a save under way in a live process
        File.WriteAllBytes(alive, [1]);
        var otherTarget = Path.Combine(dir, $".notes.txt.{dead}-{Guid.NewGuid():N}.tmp");          // not this checkpoint's
        File.WriteAllBytes(otherTarget, [1]);

        var first = Stale();
        using (var model = MakeMlp(0))
            Assert.True(Trainer.Fit(model, train, null, Quick with { CheckpointPath = path }, progress: SilentProgress.Instance).Completed);
        Assert.False(File.Exists(first), "the next save removes a dead writer's temporary file");

        var second = Stale();
        using (var model = MakeMlp(0))
            Trainer.Fit(model, train, null, Quick with { CheckpointPath = path, Resume = true }, progress: SilentProgress.Instance);   // nothing to do: loads only
        Assert.False(File.Exists(second), "the next load removes it too");

        Assert.True(File.Exists(alive));
        Assert.True(File.Exists(otherTarget));
        Assert.Equal(1, Checkpoint.ReadInfo(path).EpochsDone);
    }

    [Fact]
    public void Resuming_with_other_settings_says_what_differs_and_goes_on_only_when_told()
    {
        using var train = Squares(10, seed: 3);
        var (path, bytes) = OneEpoch(train);
        var changed = Quick with { Name = "tiny-2", LearningRate = 1e-2, WeightDecay = 0.1, WarmupEpochs = 0.5, ClipGradNorm = 1.0 };

        var e = RefusedResume<ArgumentException>(train, path, changed);
        foreach (var part in new[] { "name 'tiny' (now 'tiny-2')", "learning rate 0.003 (now 0.01)", "weight decay 0.01 (now 0.1)",
                                     "warmup 0 epochs (now 0.5)", "gradient clipping none (now 1)", "ResumeAnyway" })
            Assert.Contains(part, e.Message);

        var starts = new List<RunStart>();
        using (var model = MakeMlp(1))
        {
            var result = Trainer.Fit(model, train, null, changed with { Epochs = 2, CheckpointPath = path, Resume = true, ResumeAnyway = true }, progress: new Starts(starts));
            Assert.True(result.Completed, result.Message);
            Assert.Equal(2, result.Epochs.Count);
        }
        var start = Assert.Single(starts);
        Assert.Equal(1, start.FirstEpoch);
        Assert.Contains("learning rate 0.003 (now 0.01)", start.ResumedDespite);
        Assert.Equal(5, start.ResumedDespite.Count);

        // A model of another size cannot take the weights: refused even when told to go on.
        File.WriteAllBytes(path, bytes);
        using var bigger = MakeMlp(1, hidden: 48);
        var hard = Assert.Throws<ArgumentException>(() => Trainer.Fit(bigger, train, null,
            Quick with { Epochs = 2, CheckpointPath = path, Resume = true, ResumeAnyway = true }, progress: SilentProgress.Instance));
        Assert.Contains("parameters", hard.Message);
        Assert.Contains("cannot be loaded", hard.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_checkpoint_path_that_cannot_be_written_is_refused_before_any_training()
    {
        using var train = Squares(10, seed: 3);
        var dir = Data.SyntheticCifar.Temp();
        var file = Path.Combine(dir, "notes.txt");
        File.WriteAllText(file, "a file, not a folder");
        var path = Path.Combine(file, "run.ckpt");
        var starts = new List<RunStart>();
        using var model = MakeMlp(0);
        var e = Assert.Throws<IOException>(() => Trainer.Fit(model, train, null, Quick with { CheckpointPath = path }, progress: new Starts(starts)));
        Assert.Contains($"Cannot write the checkpoint {path}", e.Message);
        Assert.Empty(starts);                                              // not an epoch trained only to be lost
        Assert.Equal("a file, not a folder", File.ReadAllText(file));
    }

    static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    sealed class Starts(List<RunStart> into) : ITrainingProgress
    {
        public void Start(RunStart start) => into.Add(start);
        public void Step(StepReport step) { }
        public void Evaluating(int epoch) { }
        public void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history) { }
        public void End(TrainResult result) { }
    }
}
