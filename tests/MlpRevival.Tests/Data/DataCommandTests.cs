namespace MlpRevival.Tests.Data;

/// <summary>`course data …` as a user runs it.</summary>
public class DataCommandTests
{
    [Fact]
    public async Task Status_of_the_sample_lists_verified_files_and_counts()
    {
        var run = await CourseProcess.RunAsync(["data", "status", "--dir", Repo.Path_("datasets", "cifar-10-sample")]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("data_batch_1.bin", run.Stdout);
        Assert.Contains("verified", run.Stdout);
        Assert.Contains("2,000 train + 1,000 test images", run.Stdout);
    }

    [Fact]
    public async Task Sample_and_install_from_the_command_line()
    {
        var work = SyntheticCifar.Temp();
        var cut = await CourseProcess.RunAsync(["data", "sample", "--from", Repo.Path_("datasets", "cifar-10-sample"),
            "--out", Path.Combine(work, "s"), "--train-per-class", "3", "--test-per-class", "2", "--seed", "5"]);
        Assert.True(cut.ExitCode == 0, cut.ToString());
        Assert.Contains("30 train + 20 test images", cut.Stdout);

        var install = await CourseProcess.RunAsync(["data", "install", "--from", Path.Combine(work, "s"), "--dir", Path.Combine(work, "t")]);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(work, "s", "test_batch.bin")), File.ReadAllBytes(Path.Combine(work, "t", "test_batch.bin")));

        var missing = await CourseProcess.RunAsync(["data", "install", "--from", Path.Combine(work, "nope.tar.gz"), "--dir", Path.Combine(work, "u")]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.Stdout);
    }
}
