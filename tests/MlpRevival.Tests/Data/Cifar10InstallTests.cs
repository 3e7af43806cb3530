using System.Net;
using System.Net.Sockets;
using MlpRevival.Data;
using static MlpRevival.Tests.Data.SyntheticCifar;

namespace MlpRevival.Tests.Data;

/// <summary>Install from archives and folders, download, and what is left behind when they fail.</summary>
public class Cifar10InstallTests
{
    [Fact]
    public void Installing_a_tar_gz_extracts_verifies_and_leaves_nothing_half_written()
    {
        var work = Temp();
        var source = Folder(work, name: "source");
        var archive = Archive(source, Path.Combine(work, "cifar.tar.gz"));
        var target = Path.Combine(work, "installed", Cifar10.FolderName);

        Cifar10.Install(archive, target);

        var status = Cifar10.Status(target);
        Assert.True(status.Ok, status.Summary);
        foreach (var name in new[] { "data_batch_1.bin", "data_batch_2.bin", "test_batch.bin", "batches.meta.txt" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, name)), File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Empty(Leftovers(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void A_corrupt_file_in_the_archive_installs_nothing()
    {
        var work = Temp();
        var source = Folder(work, name: "source");
        var file = Path.Combine(source, "test_batch.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[100] ^= 1;                       // after MD5SUMS was written
        File.WriteAllBytes(file, bytes);
        var archive = Archive(source, Path.Combine(work, "cifar.tar.gz"));
        var target = Path.Combine(work, "installed", Cifar10.FolderName);

        var e = Assert.Throws<DataSetException>(() => Cifar10.Install(archive, target));
        Assert.Contains("test_batch.bin has md5", e.Message);
        Assert.Contains("Nothing was installed", e.Message);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Leftovers(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void Without_an_md5sums_an_archive_is_checked_against_the_official_checksums()
    {
        var work = Temp();
        var source = Folder(work, trainFiles: 5, perClassPerFile: 1, md5sums: false, name: "source");
        var archive = Archive(source, Path.Combine(work, "cifar.tar.gz"));
        var e = Assert.Throws<DataSetException>(() => Cifar10.Install(archive, Path.Combine(work, "t")));
        Assert.Contains("the official file is 30,730,000 bytes", e.Message);
    }

    /// <summary>
    /// A file the size of an official one (10,000 records) whose bytes are not the official ones, with an
    /// MD5SUMS regenerated from it — what a flipped byte in the real data_batch_1.bin plus a fresh
    /// `md5sum *.bin > MD5SUMS` gives. The official checksums win over the MD5SUMS that came with it.
    /// </summary>
    static string ChangedOfficialFile(string work)
    {
        var source = Folder(work, trainFiles: 1, name: "source");
        File.WriteAllBytes(Path.Combine(source, "data_batch_1.bin"), Records(Balanced(1000), seed: 1));
        WriteMd5Sums(source);
        return source;
    }

    [Fact]
    public void A_changed_official_file_with_a_regenerated_md5sums_installs_nothing()
    {
        var work = Temp();
        var source = ChangedOfficialFile(work);
        var archive = Archive(source, Path.Combine(work, "cifar.tar.gz"));
        var official = Cifar10Manifest.Official.Md5["data_batch_1.bin"];

        foreach (var from in new[] { archive, source })
        {
            var target = Path.Combine(work, "installed", Cifar10.FolderName);
            var e = Assert.Throws<DataSetException>(() => Cifar10.Install(from, target));
            Assert.Contains($"data_batch_1.bin has md5 {Md5(Path.Combine(source, "data_batch_1.bin"))}", e.Message);
            Assert.Contains($"the official CIFAR-10 checksum of data_batch_1.bin is {official}", e.Message);
            Assert.Contains("Nothing was installed", e.Message);
            Assert.Contains("course data download", e.Message);
            Assert.False(Directory.Exists(target));
            Assert.Empty(Leftovers(Path.GetDirectoryName(target)!));
        }

        // The same folder, checked where it lies (a cache someone "repaired" by regenerating MD5SUMS).
        var status = Cifar10.Status(source);
        Assert.False(status.Ok);
        var file = status.Files.Single(f => f.Name == "data_batch_1.bin");
        Assert.Equal(FileCheck.Mismatch, file.Check);
        Assert.Equal(official, file.ExpectedMd5);
    }

    [Fact]
    public void A_truncated_archive_is_reported_as_such()
    {
        var work = Temp();
        var archive = Archive(Folder(work, name: "source"), Path.Combine(work, "cifar.tar.gz"));
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataSetException>(() => Cifar10.Install(archive, Path.Combine(work, "t")));
        Assert.Contains("truncated or corrupt", e.Message);
        Assert.False(Directory.Exists(Path.Combine(work, "t")));
        Assert.Empty(Leftovers(work));
    }

    [Fact]
    public void The_python_archive_is_refused_naming_the_binary_one()
    {
        var work = Temp();
        var py = Path.Combine(work, "py");
        Directory.CreateDirectory(py);
        File.WriteAllBytes(Path.Combine(py, "data_batch_1"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(py, "batches.meta"), [1, 2, 3]);
        var archive = Archive(py, Path.Combine(work, "cifar-10-python.tar.gz"));
        var e = Assert.Throws<DataSetException>(() => Cifar10.Install(archive, Path.Combine(work, "t")));
        Assert.Contains("Python version", e.Message);
        Assert.Contains(Cifar10.ArchiveMd5, e.Message);
    }

    [Fact]
    public void Installing_from_a_folder_copies_and_verifies_and_replaces_only_with_force()
    {
        var work = Temp();
        var source = Folder(work, name: "source");
        var target = Path.Combine(work, "cache", Cifar10.FolderName);
        Cifar10.Install(source, target);
        Assert.True(Cifar10.Status(target).Ok);

        var again = Assert.Throws<DataSetException>(() => Cifar10.Install(source, target));
        Assert.Contains("--force", again.Message);
        Cifar10.Install(source, target, force: true);
        Assert.True(Cifar10.Status(target).Ok);

        File.WriteAllText(Path.Combine(target, "my-notes.txt"), "keep me");
        var foreign = Assert.Throws<DataSetException>(() => Cifar10.Install(source, target, force: true));
        Assert.Contains("my-notes.txt", foreign.Message);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(target, "my-notes.txt")));
        Assert.Empty(Leftovers(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void No_network_gives_a_message_that_says_how_to_get_the_data()
    {
        var work = Temp();
        var url = $"http://127.0.0.1:{FreePort()}/cifar-10-binary.tar.gz";   // nothing listens there
        var target = Path.Combine(work, Cifar10.FolderName);
        var e = Assert.Throws<DataSetException>(() => Cifar10.Download(target, url: url));
        Assert.Contains($"Could not download CIFAR-10 from {url}", e.Message);
        Assert.Contains("course data install --from", e.Message);
        Assert.Contains(Cifar10.Url, e.Message);
        Assert.Contains(Cifar10.ArchiveMd5, e.Message);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Leftovers(work));
    }

    [Fact]
    public async Task Download_fetches_checks_the_archive_md5_and_installs()
    {
        var work = Temp();
        var archive = Archive(Folder(work, name: "source"), Path.Combine(work, "served.tar.gz"));
        var bytes = await File.ReadAllBytesAsync(archive);
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        var url = $"http://127.0.0.1:{port}/cifar-10-binary.tar.gz";
        var target = Path.Combine(work, "cache", Cifar10.FolderName);

        var wrong = Assert.Throws<DataSetException>(() =>
            Cifar10Installer.Download(target, url, "00000000000000000000000000000000", Cifar10Manifest.Official, force: false, progress: null));
        Assert.Contains($"has md5 {Md5(archive)}, expected 00000000000000000000000000000000", wrong.Message);
        Assert.False(Directory.Exists(target));

        var reports = new List<DownloadProgress>();
        Cifar10Installer.Download(target, url, Md5(archive), Cifar10Manifest.Official, force: false, progress: new Collect(reports));
        await serving;
        Assert.True(Cifar10.Status(target).Ok);
        Assert.Equal(bytes.Length, reports[^1].Bytes);
        Assert.Empty(Leftovers(Path.GetDirectoryName(target)!));
    }

    sealed class Collect(List<DownloadProgress> into) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => into.Add(value);
    }

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
