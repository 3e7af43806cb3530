using MlpRevival.Tests.Data;

namespace MlpRevival.Tests.Cli.Commands;

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

    [Fact]
    public async Task Install_names_the_file_that_fails_the_official_checksums_and_what_to_do()
    {
        var work = SyntheticCifar.Temp();
        var source = Path.Combine(work, "source");
        Directory.CreateDirectory(source);
        // Official name and size, other bytes, and an MD5SUMS made from them: it must not vouch for the file.
        File.WriteAllBytes(Path.Combine(source, "data_batch_1.bin"), SyntheticCifar.Records(SyntheticCifar.Balanced(1000), seed: 3));
        File.WriteAllBytes(Path.Combine(source, "test_batch.bin"), SyntheticCifar.Records(SyntheticCifar.Balanced(2), seed: 4));
        SyntheticCifar.WriteMd5Sums(source);
        var archive = SyntheticCifar.Archive(source, Path.Combine(work, "cifar-10-binary.tar.gz"));

        var install = await CourseProcess.RunAsync(["data", "install", "--from", archive, "--dir", Path.Combine(work, "t")]);
        Assert.True(install.ExitCode == 1, install.ToString());
        Assert.Single(install.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));                   // one line, however long
        Assert.Contains("data_batch_1.bin has md5", install.Stdout);
        Assert.Contains("official CIFAR-10 checksum", install.Stdout);
        Assert.Contains("Nothing was installed", install.Stdout);
        Assert.DoesNotContain("   at ", install.Stdout + install.Stderr);
        Assert.False(Directory.Exists(Path.Combine(work, "t")));
    }
}
