using System.Globalization;
using System.Security.Cryptography;

namespace MlpRevival.Data;

/// <summary>
/// Which data files a CIFAR-10 folder should hold and their md5 checksums: the official list, or
/// the one in a folder's MD5SUMS file (the committed sample has one; so does every folder the
/// course installs). An MD5SUMS decides which files are read and vouches for files that are not
/// official-sized; a file with an official name and size is always checked against
/// <see cref="Official"/> (see <see cref="Cifar10.Status"/>).
/// </summary>
public sealed record Cifar10Manifest(IReadOnlyDictionary<string, string> Md5, string Origin)
{
    public const string FileName = "MD5SUMS";

    /// <summary>The official binary version, as published with cifar-10-binary.tar.gz.</summary>
    public static Cifar10Manifest Official { get; } = new(new Dictionary<string, string>
    {
        ["data_batch_1.bin"] = "5dd7e06a14cb22eb9f671a540d1b7c25",
        ["data_batch_2.bin"] = "5ea93a67294ea407fff1d09f752e9692",
        ["data_batch_3.bin"] = "942cd6a4bcdd0dd3c604fbe906cb4421",
        ["data_batch_4.bin"] = "ae636b3ba5c66a11e91e8cb52e771fcb",
        ["data_batch_5.bin"] = "53f37980c15c3d472c316c40844f3f0d",
        ["test_batch.bin"] = "803d5f7f4d78ea53de84dbe85f74fb6d",
    }, "the official CIFAR-10 checksums");

    /// <summary>Files of the manifest that hold training images, in reading order (data_batch_1, 2, …).</summary>
    public IReadOnlyList<string> TrainFiles => Md5.Keys.Where(Cifar10.IsTrainFile).OrderBy(Cifar10.BatchNumber).ToList();

    public bool IsOfficial => Md5.Count == Official.Md5.Count && Official.Md5.All(kv => Md5.TryGetValue(kv.Key, out var m) && m == kv.Value);

    /// <summary>Reads an MD5SUMS file in md5sum's format ("&lt;md5&gt;  &lt;name&gt;" per line).</summary>
    public static Cifar10Manifest Read(string path)
    {
        var md5 = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[0].Length != 32 || !parts[0].All(Uri.IsHexDigit))
                throw new DataSetException($"{path}, line {lineNumber}: expected \"<32 hex digits>  <file name>\" (md5sum's format), got \"{raw}\".");
            md5[parts[1].TrimStart('*').Trim()] = parts[0].ToLowerInvariant();
        }
        if (md5.Count == 0) throw new DataSetException($"{path} lists no files.");
        return new(md5, $"{Path.GetFileName(path)} in {Path.GetDirectoryName(Path.GetFullPath(path))}");
    }

    /// <summary>The MD5SUMS text for these files, sorted by name (md5sum -c accepts it).</summary>
    public string ToText() =>
        string.Concat(Md5.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value}  {kv.Key}\n"));

    /// <summary>The manifest that governs <paramref name="folder"/>: its MD5SUMS, or the official list.</summary>
    public static Cifar10Manifest For(string folder)
    {
        var sums = Path.Combine(folder, FileName);
        return File.Exists(sums) ? Read(sums) : Official;
    }

    public static string ComputeMd5(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }

    internal static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
