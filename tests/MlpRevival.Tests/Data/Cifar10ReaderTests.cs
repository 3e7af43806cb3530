using MlpRevival.Data;
using static MlpRevival.Tests.Data.SyntheticCifar;

namespace MlpRevival.Tests.Data;

/// <summary>The binary reader on the committed sample and on files the test writes itself.</summary>
public class Cifar10ReaderTests
{
    static string SampleFolder => Repo.Path_("datasets", "cifar-10-sample");

    [Fact]
    public void The_committed_sample_is_class_balanced_real_cifar10_and_verifies()
    {
        var status = Cifar10.Status(SampleFolder);
        Assert.True(status.Ok, status.Summary);
        Assert.All(status.Files, f => Assert.Equal(FileCheck.Verified, f.Check));
        Assert.Equal(2000, status.TrainImages);
        Assert.Equal(1000, status.TestImages);

        using var train = Cifar10.LoadTrain(SampleFolder);
        using var test = Cifar10.LoadTest(SampleFolder);
        Assert.Equal([2000, 3, 32, 32], train.Images.shape);
        Assert.Equal(Enumerable.Repeat(200L, 10), train.ClassCounts());
        Assert.Equal(Enumerable.Repeat(100L, 10), test.ClassCounts());
        Assert.Equal(Cifar10.DefaultClassNames, train.ClassNames);
        Assert.All(train.LabelArray(), l => Assert.InRange(l, 0, 9));
    }

    [Fact]
    public void Pixels_and_labels_match_the_raw_bytes_read_independently()
    {
        var raw = File.ReadAllBytes(Path.Combine(SampleFolder, "test_batch.bin"));
        using var test = Cifar10.LoadTest(SampleFolder);
        foreach (var (i, c, y, x) in new[] { (0, 0, 0, 0), (1, 2, 31, 31), (437, 1, 5, 17), (999, 0, 16, 3), (512, 2, 0, 31) })
        {
            Assert.Equal(raw[i * RecordBytes], (byte)test.Labels[i].item<long>());
            Assert.Equal(raw[i * RecordBytes + 1 + c * 1024 + y * 32 + x], test.Images[i, c, y, x].item<byte>());
        }
    }

    [Fact]
    public void A_synthetic_folder_reads_back_every_byte_in_file_order()
    {
        var dir = Folder(Temp(), trainFiles: 3, perClassPerFile: 2);
        using var train = Cifar10.LoadTrain(dir);
        Assert.Equal(60, train.Count);
        var expected = new List<byte>();
        var labels = new List<long>();
        for (int f = 1; f <= 3; f++)
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, $"data_batch_{f}.bin"));
            for (int r = 0; r < bytes.Length / RecordBytes; r++)
            {
                labels.Add(bytes[r * RecordBytes]);
                expected.AddRange(bytes.AsSpan(r * RecordBytes + 1, RecordBytes - 1).ToArray());
            }
        }
        Assert.Equal(labels, train.LabelArray());
        Assert.Equal(expected.ToArray(), train.Images.data<byte>().ToArray());
    }

    [Fact]
    public void A_truncated_file_is_reported_with_its_size_and_what_to_do()
    {
        var dir = Folder(Temp());
        var file = Path.Combine(dir, "data_batch_2.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..(RecordBytes * 5 + 100)]);
        var e = Assert.Throws<DataSetException>(() => Cifar10.LoadTrain(dir));
        Assert.Contains("data_batch_2.bin", e.Message);
        Assert.Contains("15,465 bytes", e.Message);            // 5 × 3,073 + 100
        Assert.Contains("not a whole number of CIFAR-10 records", e.Message);
        Assert.Contains("course data install", e.Message);
    }

    [Fact]
    public void An_official_file_of_the_wrong_size_is_called_incomplete()
    {
        var dir = Folder(Temp(), trainFiles: 5, perClassPerFile: 1, md5sums: false);   // official names, no MD5SUMS
        var status = Cifar10.Status(dir, checkMd5: false);
        Assert.False(status.Ok);
        Assert.Contains("data_batch_1.bin is 30,730 bytes; the official file is 30,730,000 bytes", status.Problem);
    }

    [Fact]
    public void A_bad_label_byte_names_the_file_and_record()
    {
        var dir = Folder(Temp());
        var file = Path.Combine(dir, "test_batch.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[7 * RecordBytes] = 11;
        File.WriteAllBytes(file, bytes);
        WriteMd5Sums(dir);
        var e = Assert.Throws<DataSetException>(() => Cifar10.LoadTest(dir));
        Assert.Contains("test_batch.bin: record 7 has label byte 11", e.Message);
        Assert.Contains("0–9", e.Message);
    }

    [Fact]
    public void A_wrong_checksum_names_the_file_and_both_md5s()
    {
        var dir = Folder(Temp());
        var file = Path.Combine(dir, "data_batch_1.bin");
        var expected = Md5(file);
        var bytes = File.ReadAllBytes(file);
        bytes[5000] ^= 0xFF;   // one pixel flipped: size and labels still fine
        File.WriteAllBytes(file, bytes);
        var actual = Md5(file);

        var status = Cifar10.Status(dir);
        Assert.False(status.Ok);
        Assert.Equal(FileCheck.Mismatch, status.Files.Single(f => f.Name == "data_batch_1.bin").Check);
        var e = Assert.Throws<DataSetException>(() => Cifar10.Ensure(dir));
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains($"md5 {actual}", e.Message);
        Assert.Contains($"expects {expected}", e.Message);
        Assert.True(File.Exists(file), "a bad file is reported, never deleted");
    }

    [Fact]
    public void The_python_version_is_recognised_and_the_binary_version_named()
    {
        var dir = Path.Combine(Temp(), "cifar-10-batches-py");
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "data_batch_1", "data_batch_2", "test_batch", "batches.meta" })
            File.WriteAllBytes(Path.Combine(dir, name), [0x80, 0x02]);
        var e = Assert.Throws<DataSetException>(() => Cifar10.Ensure(dir));
        Assert.Contains("Python version", e.Message);
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);
    }

    [Fact]
    public void A_folder_without_cifar_files_is_refused_and_its_files_are_kept()
    {
        var dir = Temp();
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var e = Assert.Throws<DataSetException>(() => Cifar10.Ensure(dir));
        Assert.Contains("holds no CIFAR-10 binary files", e.Message);
        Assert.Contains("course data install --from", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "notes.txt")));
    }

    [Fact]
    public void A_missing_listed_file_is_reported()
    {
        var dir = Folder(Temp());
        File.Delete(Path.Combine(dir, "data_batch_2.bin"));
        var status = Cifar10.Status(dir);
        Assert.Contains("data_batch_2.bin is missing", status.Problem);
        Assert.Equal(FileCheck.Missing, status.Files.Single(f => f.Name == "data_batch_2.bin").Check);
    }

    [Fact]
    public void A_parent_folder_holding_cifar_10_batches_bin_is_accepted()
    {
        var parent = Temp();
        Folder(parent, name: Cifar10.FolderName);
        Assert.Equal(Path.Combine(parent, Cifar10.FolderName), Cifar10.ResolveFolder(parent));
        Assert.True(Cifar10.Status(parent).Ok);
    }

    [Fact]
    public void The_default_folder_is_the_repository_cache_unless_MLP_REVIVAL_DATA_says_otherwise()
    {
        Assert.Equal(Repo.Path_("datasets", "cache", Cifar10.FolderName), Cifar10.CacheFolder);
        var previous = Environment.GetEnvironmentVariable(Cifar10.EnvironmentVariable);
        var elsewhere = Temp();
        try
        {
            Environment.SetEnvironmentVariable(Cifar10.EnvironmentVariable, elsewhere);
            Assert.Equal(elsewhere, Cifar10.DefaultFolder);
            Assert.Equal(elsewhere, Cifar10.ResolveFolder(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Cifar10.EnvironmentVariable, previous);
        }
        Assert.Equal(SampleFolder, Cifar10.SampleFolder);
    }

    [Fact]
    public void Subset_is_class_balanced_seeded_and_keeps_original_order()
    {
        using var train = Cifar10.LoadTrain(SampleFolder);
        using var a = train.Subset(7, seed: 3);
        using var b = train.Subset(7, seed: 3);
        using var c = train.Subset(7, seed: 4);
        Assert.Equal(Enumerable.Repeat(7L, 10), a.ClassCounts());
        Assert.True(a.Images.equal(b.Images).all().item<bool>());
        Assert.False(a.Images.equal(c.Images).all().item<bool>());
        var indices = train.BalancedIndices(7, seed: 3);
        Assert.Equal(indices.Order(), indices);
        Assert.Equal(70, indices.Distinct().Count());
        using var picked = train.Images.index_select(0, TorchSharp.torch.tensor(indices));
        Assert.True(picked.equal(a.Images).all().item<bool>());
        Assert.Throws<ArgumentException>(() => train.Subset(201, 0));
    }

    [Fact]
    public void Cutting_a_sample_is_deterministic_and_keeps_the_format()
    {
        var parent = Temp();
        var first = Cifar10.CutSample(SampleFolder, Path.Combine(parent, "a"), 20, 10, seed: 0);
        var second = Cifar10.CutSample(SampleFolder, Path.Combine(parent, "b"), 20, 10, seed: 0);
        Assert.True(first.Ok, first.Summary);
        foreach (var name in new[] { "data_batch_1.bin", "test_batch.bin", "batches.meta.txt", "MD5SUMS" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(parent, "a", name)), File.ReadAllBytes(Path.Combine(parent, "b", name)));
        Assert.Equal(200, first.TrainImages);
        Assert.Equal(100, first.TestImages);

        // Every record of the cut is a record of the source, byte for byte.
        var source = File.ReadAllBytes(Path.Combine(SampleFolder, "data_batch_1.bin")).Chunk(RecordBytes).Select(Convert.ToHexString).ToHashSet();
        var cut = File.ReadAllBytes(Path.Combine(parent, "a", "data_batch_1.bin")).Chunk(RecordBytes).ToList();
        Assert.Equal(200, cut.Count);
        Assert.All(cut, r => Assert.Contains(Convert.ToHexString(r), source));
        Assert.Empty(Leftovers(parent));
    }

    [Fact]
    public void A_sample_whose_train_file_would_have_an_official_files_size_is_refused_before_cutting()
    {
        // 1,000 per class makes a 10,000-record data_batch_1.bin: the size of an official file, which is
        // always checked against the official checksums, so the cut could never verify.
        var target = Path.Combine(Temp(), "s");
        var e = Assert.Throws<DataSetException>(() => Cifar10.CutSample(SampleFolder, target, 1000, 10, seed: 0));
        Assert.Contains("--train-per-class 1000", e.Message);
        Assert.Contains("official", e.Message);
        Assert.False(Directory.Exists(target));
    }
}
