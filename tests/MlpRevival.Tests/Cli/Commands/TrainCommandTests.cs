namespace MlpRevival.Tests.Cli.Commands;

/// <summary>`course train …` as a user runs it, on the committed sample.</summary>
public class TrainCommandTests
{
    static string Sample => Repo.Path_("datasets", "cifar-10-sample");

    [Fact]
    public async Task Trains_prints_the_epoch_and_top_k_tables_and_resumes_from_its_checkpoint()
    {
        var checkpoint = Path.Combine(Data.SyntheticCifar.Temp(), "flatten-mlp.ckpt");
        string[] common = ["train", "flatten-mlp-32", "--data", Sample, "--samples", "200", "--test-samples", "100", "--batch", "50", "--threads", "1", "--checkpoint", checkpoint];
        var first = await CourseProcess.RunAsync([.. common, "--epochs", "1"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("per epoch", first.Stdout);
        foreach (var k in new[] { "top-1", "top-2", "top-3", "top-4", "top-5" }) Assert.Contains(k, first.Stdout);
        Assert.Contains("test (100)", first.Stdout);
        Assert.Contains("Done: 1 epoch,", first.Stdout);
        Assert.True(File.Exists(checkpoint));

        var resumed = await CourseProcess.RunAsync([.. common, "--epochs", "2", "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resuming at epoch 2", resumed.Stdout);
        Assert.Contains("Done: 2 epochs", resumed.Stdout);
    }

    [Fact]
    public async Task A_diverging_run_exits_non_zero_with_the_reason()
    {
        var run = await CourseProcess.RunAsync(["train", "flatten-mlp-32", "--data", Sample, "--samples", "100", "--test-samples", "20", "--batch", "20",
                                                "--optimizer", "sgd", "--lr", "1e12", "--schedule", "constant", "--epochs", "3", "--threads", "1"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the loss became", run.Stdout);
        Assert.Contains("lower learning rate", run.Stdout);
    }

    [Fact]
    public async Task Bad_options_and_missing_data_are_reported_with_distinct_exit_codes()
    {
        var unknown = await CourseProcess.RunAsync(["train", "no-such-model", "--data", Sample]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown config 'no-such-model'. Known: ", unknown.Stdout);
        Assert.Contains("mixer-cifar", unknown.Stdout);

        var badLr = await CourseProcess.RunAsync(["train", "flatten-mlp-32", "--data", Sample, "--lr", "-1"]);
        Assert.Equal(2, badLr.ExitCode);
        Assert.Contains("--lr -1: give a learning rate above 0", badLr.Stdout);

        // An ImageNet config on CIFAR-10: said before a model is built, not a libtorch stack trace from its first batch.
        var imageNet = await CourseProcess.RunAsync(["train", "mixer-s32", "--data", Sample, "--samples", "10", "--test-samples", "10", "--epochs", "1"]);
        Assert.Equal(2, imageNet.ExitCode);
        Assert.Contains("mixer-s32 is built for 224×224 images and 1000 classes; the data has 32×32 images and 10 classes", imageNet.Stdout);
        Assert.Contains("mixer-cifar", imageNet.Stdout);
        Assert.DoesNotContain("   at ", imageNet.Stdout + imageNet.Stderr);

        var resume = await CourseProcess.RunAsync(["train", "flatten-mlp-32", "--data", Sample, "--resume"]);
        Assert.Equal(2, resume.ExitCode);
        Assert.Contains("--resume needs --checkpoint", resume.Stdout);

        var empty = Data.SyntheticCifar.Temp();
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "not data");
        var noData = await CourseProcess.RunAsync(["train", "flatten-mlp-32", "--data", empty]);
        Assert.Equal(1, noData.ExitCode);
        Assert.Contains("holds no CIFAR-10 binary files", noData.Stdout);
        Assert.Contains("course data install --from", noData.Stdout);
    }

    /// <summary>
    /// Numbers out of range: one line naming the option, what it got and the valid range; exit code 2,
    /// never a stack trace. The sample holds 200 training and 100 test images per class.
    /// </summary>
    [Theory]
    [InlineData("--lr 1e300", "--lr 1E+300: give a learning rate above 0 and at most 3.4E+37")]                  // AdamW: lr / (1 − β1) must fit a float
    [InlineData("--optimizer sgd --lr 1e39", "--lr 1E+39: give a learning rate above 0 and at most 3.4E+38")]
    [InlineData("--samples 0", "--samples 0: give a multiple of 10 from 10 to 2,000")]
    [InlineData("--samples 7", "--samples 7: give a multiple of 10 from 10 to 2,000")]
    [InlineData("--samples 15", "--samples 15: give a multiple of 10 from 10 to 2,000")]
    [InlineData("--samples 2010", "--samples 2010: give a multiple of 10 from 10 to 2,000")]
    [InlineData("--test-samples 5", "--test-samples 5: give a multiple of 10 from 10 to 1,000")]
    [InlineData("--epochs 0", "--epochs 0: give at least 1")]
    [InlineData("--batch 0", "--batch 0: give a batch size of at least 1")]
    [InlineData("--optimizer sgd --wd 1e39", "--wd 1E+39: give a weight decay from 0 to 3.4E+38")]
    [InlineData("--wd -1", "--wd -1: give a weight decay from 0 to 3.4E+38")]
    [InlineData("--clip 1e39", "--clip 1E+39: give a gradient-norm limit above 0 and at most 3.4E+38")]
    [InlineData("--warmup 3", "--warmup 3: give between 0 and --epochs (1)")]
    [InlineData("--label-smoothing 1", "--label-smoothing 1: give a value from 0 up to, not including, 1")]
    [InlineData("--max-steps 0", "--max-steps 0: give at least 1")]
    [InlineData("--threads 100000", "--threads 100000: give between 1 and ")]
    public async Task An_out_of_range_number_gets_one_line_with_the_valid_range(string options, string expected)
    {
        var given = options.Split(' ');
        var arguments = new List<string> { "train", "flatten-mlp-32", "--data", Sample };
        foreach (var (option, value) in new[] { ("--samples", "100"), ("--test-samples", "20"), ("--epochs", "1"), ("--threads", "1") })
            if (!given.Contains(option)) arguments.AddRange([option, value]);
        arguments.AddRange(given);

        var run = await CourseProcess.RunAsync(arguments, limit: TimeSpan.FromMinutes(3));

        Assert.True(run.ExitCode == 2, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("data: ", StringComparison.Ordinal)).ToList();   // the data summary, printed before the subset is cut
        Assert.True(lines.Count == 1, run.ToString());
        Assert.StartsWith(expected, lines[0]);
        Assert.DoesNotContain("Unhandled exception", run.Stdout + run.Stderr);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Threads_are_bounded_by_the_processors_of_this_machine()
    {
        var run = await CourseProcess.RunAsync(["train", "flatten-mlp-32", "--data", Sample, "--threads", "0"], limit: TimeSpan.FromMinutes(3));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--threads 0: give between 1 and {Environment.ProcessorCount} (", run.Stdout);
    }

    /// <summary>
    /// The lines of a run's output after the data summary printed before the trainer starts (an
    /// information line that Spectre may wrap at 160 columns; it ends with the pipeline's normalisation, "…])").
    /// </summary>
    static List<string> Lines(CourseProcess.Outcome run)
    {
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (lines.Count > 0 && lines[0].StartsWith("data: ", StringComparison.Ordinal))
            lines.RemoveRange(0, lines.FindIndex(l => l.EndsWith("])", StringComparison.Ordinal)) + 1);
        return lines;
    }

    [Fact]
    public async Task A_resume_with_other_settings_or_a_damaged_checkpoint_is_refused_in_one_line()
    {
        var checkpoint = Path.Combine(Data.SyntheticCifar.Temp(), "flatten-mlp.ckpt");
        string[] common = ["train", "flatten-mlp-32", "--data", Sample, "--samples", "100", "--test-samples", "20", "--threads", "1", "--checkpoint", checkpoint];
        var first = await CourseProcess.RunAsync([.. common, "--batch", "50", "--epochs", "1"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var bytes = File.ReadAllBytes(checkpoint);

        // Other --lr and --batch: what differs, and how to go on anyway.
        var other = await CourseProcess.RunAsync([.. common, "--batch", "25", "--lr", "0.01", "--epochs", "2", "--resume"]);
        Assert.True(other.ExitCode == 2, other.ToString());
        var line = Assert.Single(Lines(other));
        Assert.Contains("batch size 50 (now 25)", line);
        Assert.Contains("learning rate 0.001 (now 0.01)", line);
        Assert.Contains("--resume-anyway", line);
        Assert.Equal(bytes, File.ReadAllBytes(checkpoint));

        // Damaged: one flipped bit in the weights. Truncated: the end is missing.
        var damaged = bytes.ToArray();
        damaged[bytes.Length / 2] ^= 0x04;
        File.WriteAllBytes(checkpoint, damaged);
        var flipped = await CourseProcess.RunAsync([.. common, "--batch", "50", "--epochs", "2", "--resume"]);
        Assert.True(flipped.ExitCode == 1, flipped.ToString());
        Assert.Contains("is damaged", Assert.Single(Lines(flipped)));
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length - 1000)]);
        var truncated = await CourseProcess.RunAsync([.. common, "--batch", "50", "--epochs", "2", "--resume"]);
        Assert.True(truncated.ExitCode == 1, truncated.ToString());
        Assert.Contains("is truncated", Assert.Single(Lines(truncated)));
        foreach (var run in new[] { other, flipped, truncated }) Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);

        // Told to go on: it continues from epoch 2 with the new settings and says which differ.
        File.WriteAllBytes(checkpoint, bytes);
        var anyway = await CourseProcess.RunAsync([.. common, "--batch", "25", "--lr", "0.01", "--epochs", "2", "--resume-anyway"]);
        Assert.True(anyway.ExitCode == 0, anyway.ToString());
        Assert.Contains("resuming at epoch 2", anyway.Stdout);
        Assert.Contains("despite", anyway.Stdout);
        Assert.Contains("learning rate 0.001 (now 0.01)", anyway.Stdout);
        Assert.Contains("Done: 2 epochs", anyway.Stdout);
    }
}
