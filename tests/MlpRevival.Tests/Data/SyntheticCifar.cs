using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace MlpRevival.Tests.Data;

/// <summary>CIFAR-10 binary files made up by the tests, with every byte known.</summary>
static class SyntheticCifar
{
    public const int RecordBytes = 3073;

    /// <summary>Records with the given labels and seeded random pixels.</summary>
    public static byte[] Records(IReadOnlyList<byte> labels, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[labels.Count * RecordBytes];
        random.NextBytes(bytes);
        for (int i = 0; i < labels.Count; i++) bytes[i * RecordBytes] = labels[i];
        return bytes;
    }

    /// <summary>Labels 0..9 repeated: <paramref name="perClass"/> of each, interleaved.</summary>
    public static byte[] Balanced(int perClass) => Enumerable.Range(0, perClass * 10).Select(i => (byte)(i % 10)).ToArray();

    /// <summary>A folder with data_batch_1..n.bin and test_batch.bin, and an MD5SUMS unless told not to.</summary>
    public static string Folder(string parent, int trainFiles = 2, int perClassPerFile = 3, bool md5sums = true, string name = "cifar")
    {
        var dir = Path.Combine(parent, name);
        Directory.CreateDirectory(dir);
        for (int f = 1; f <= trainFiles; f++)
            File.WriteAllBytes(Path.Combine(dir, $"data_batch_{f}.bin"), Records(Balanced(perClassPerFile), f));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(Balanced(perClassPerFile), 99));
        File.WriteAllText(Path.Combine(dir, "batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        if (md5sums) WriteMd5Sums(dir);
        return dir;
    }

    public static void WriteMd5Sums(string dir) =>
        File.WriteAllText(Path.Combine(dir, "MD5SUMS"), string.Concat(
            Directory.GetFiles(dir, "*.bin").Order(StringComparer.Ordinal)
                .Select(f => $"{Md5(f)}  {Path.GetFileName(f)}\n")));

    public static string Md5(string file) => Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(file)));

    /// <summary>A .tar.gz with the folder's files under cifar-10-batches-bin/, as the official archive lays them out.</summary>
    public static string Archive(string folder, string path, Func<string, bool>? include = null)
    {
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "cifar-10-batches-bin/"));
            foreach (var f in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                if (include?.Invoke(Path.GetFileName(f)) ?? true)
                    tar.WriteEntry(f, "cifar-10-batches-bin/" + Path.GetFileName(f));
        }
        return path;
    }

    public static string Temp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlpr-data-tests", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Names in a folder that look like leftovers of an install (temporary files or folders).</summary>
    public static List<string> Leftovers(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith('.') || n.Contains("installing") || n.EndsWith(".partial") || n.EndsWith(".tmp")).ToList();
}
