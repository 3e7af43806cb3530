namespace MlpRevival.Tests.Training;

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
        Assert.Contains("LearningRate must be a positive number", badLr.Stdout);

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
}
