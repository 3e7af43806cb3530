using System.Globalization;

namespace MlpRevival.Data;

public enum Cifar10Split { Train, Test }

/// <summary>How a file of a CIFAR-10 folder checks out.</summary>
public enum FileCheck
{
    /// <summary>Its md5 matches the manifest.</summary>
    Verified,
    /// <summary>Present and well-formed; the md5 was not computed (a quick look).</summary>
    NotChecked,
    /// <summary>Its md5 differs from the manifest's.</summary>
    Mismatch,
    /// <summary>The manifest lists it, the folder lacks it.</summary>
    Missing,
    /// <summary>Its size is not a whole number of records, or not the size the official file has.</summary>
    BadSize,
    /// <summary>A data_batch file the manifest does not list: not read.</summary>
    Unlisted,
}

public sealed record Cifar10FileStatus(string Name, long Bytes, long Images, string? ExpectedMd5, string? ActualMd5, FileCheck Check);

/// <summary>What a folder holds: its files, how they check out, and the first problem if any.</summary>
public sealed record Cifar10Status(
    string Folder, IReadOnlyList<Cifar10FileStatus> Files, string ManifestOrigin, bool IsOfficial,
    long TrainImages, long TestImages, bool Md5Checked, string? Problem)
{
    public bool Ok => Problem is null;

    /// <summary>One line: where, what and whether it is verified.</summary>
    public string Summary => Ok
        ? $"{Folder}: {TrainImages:N0} train + {TestImages:N0} test images, " +
          (Md5Checked ? $"md5 verified against {ManifestOrigin}" : "md5 not checked") + (IsOfficial ? " (the full official data set)" : "")
        : $"{Folder}: {Problem}";
}

/// <summary>
/// CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): where it lives, how to get
/// it, and how to load it. Notebooks call <see cref="Ensure"/> then <see cref="Load"/>.
///
/// Where the data is, in order: the folder you pass; the environment variable MLP_REVIVAL_DATA; the
/// repository's datasets/cache/cifar-10-batches-bin (git-ignored); outside a clone of the course,
/// ~/.cache/mlp-revival/cifar-10-batches-bin. A folder that holds cifar-10-batches-bin/ is accepted
/// for the folder itself.
/// </summary>
public static partial class Cifar10
{
    public const string Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public const string ArchiveName = "cifar-10-binary.tar.gz";
    public const string ArchiveMd5 = "c32a1d4ab5d03f1284b67883e8d87530";

    /// <summary>Size of the official <see cref="ArchiveName"/>, in bytes: what a first download fetches.</summary>
    public const long ArchiveBytes = 170_052_171;
    public const string FolderName = "cifar-10-batches-bin";
    public const string MetaFileName = "batches.meta.txt";
    public const string TestFileName = "test_batch.bin";
    public const string EnvironmentVariable = "MLP_REVIVAL_DATA";
    public const int RecordSize = Cifar10Format.RecordSize;
    public const long OfficialFileBytes = 10_000L * RecordSize;

    public static IReadOnlyList<string> DefaultClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The folder used when none is given: MLP_REVIVAL_DATA, else the cache (see the class summary).</summary>
    public static string DefaultFolder
    {
        get
        {
            var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
            return CacheFolder;
        }
    }

    /// <summary>datasets/cache/cifar-10-batches-bin in the repository (or the user cache outside one).</summary>
    public static string CacheFolder
    {
        get
        {
            var root = RepoRoot.Find();
            if (root is not null) return Path.Combine(root, "datasets", "cache", FolderName);
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrWhiteSpace(cache))
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "mlp-revival", FolderName);
        }
    }

    /// <summary>The committed sample (datasets/cifar-10-sample), or null outside a clone of the course.</summary>
    public static string? SampleFolder
    {
        get
        {
            var root = RepoRoot.Find();
            return root is null ? null : Path.Combine(root, "datasets", "cifar-10-sample");
        }
    }

    /// <summary>Absolute path of the folder to use for <paramref name="folder"/> (null: the default).</summary>
    public static string ResolveFolder(string? folder)
    {
        var full = Path.GetFullPath(string.IsNullOrWhiteSpace(folder) ? DefaultFolder : folder);
        var nested = Path.Combine(full, FolderName);
        if (Directory.Exists(full) && !Directory.EnumerateFiles(full, "*.bin").Any() && Directory.Exists(nested)) return nested;
        return full;
    }

    /// <summary>
    /// For notebooks: a folder of verified CIFAR-10, downloading it first if the folder is missing or
    /// empty. Returns the folder's full path. Throws <see cref="DataSetException"/> saying what to do
    /// when the folder holds something else or the download is impossible.
    /// </summary>
    public static string Ensure(string? folder = null)
    {
        var resolved = ResolveFolder(folder);
        var status = Status(resolved, checkMd5: true);
        if (status.Ok) return resolved;
        if (!Directory.Exists(resolved) || !Directory.EnumerateFileSystemEntries(resolved).Any())
        {
            Console.WriteLine($"CIFAR-10 is not in {resolved}: downloading it from {Url} (163 MB).");
            Cifar10Installer.Download(resolved, Url, ArchiveMd5, Cifar10Manifest.Official, force: false, progress: new ConsoleDownloadProgress());
            Console.WriteLine($"CIFAR-10 installed and verified in {resolved}.");
            return resolved;
        }
        throw new DataSetException($"{status.Problem} {HowToInstall(resolved)}");
    }

    /// <summary>
    /// Loads a split into one <see cref="ImageSet"/>: every data_batch_N.bin of the folder for the
    /// train split, test_batch.bin for the test split. Checks the folder's structure and every label
    /// byte; the md5 check is <see cref="Ensure"/>'s and <see cref="Status"/>'s job.
    /// </summary>
    public static ImageSet Load(string? folder, Cifar10Split split)
    {
        var resolved = ResolveFolder(folder);
        var status = Status(resolved, checkMd5: false);
        if (!status.Ok) throw new DataSetException($"{status.Problem} {HowToInstall(resolved)}");
        var manifest = Cifar10Manifest.For(resolved);
        var names = split == Cifar10Split.Train ? manifest.TrainFiles : [TestFileName];
        var files = names.Select(n => Path.Combine(resolved, n)).ToList();
        var splitName = split == Cifar10Split.Train ? "train" : "test";
        // The folder's name only: a set printed in a notebook must not carry a machine's path.
        return Cifar10Format.Read(files, ClassNames(resolved), $"CIFAR-10 {splitName}, {Path.GetFileName(resolved)}");
    }

    public static ImageSet LoadTrain(string? folder = null) => Load(folder, Cifar10Split.Train);
    public static ImageSet LoadTest(string? folder = null) => Load(folder, Cifar10Split.Test);

    /// <summary>The class names of batches.meta.txt (or the standard ten).</summary>
    public static IReadOnlyList<string> ClassNames(string folder)
    {
        var meta = Path.Combine(folder, MetaFileName);
        if (!File.Exists(meta)) return DefaultClassNames;
        var names = File.ReadAllLines(meta).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count != 10)
            throw new DataSetException($"{meta} names {names.Count} classes; CIFAR-10's batches.meta.txt has 10 lines (airplane … truck).");
        return names;
    }

    /// <summary>What <paramref name="folder"/> holds and whether it is usable; computes md5s unless told not to.</summary>
    public static Cifar10Status Status(string? folder = null, bool checkMd5 = true)
    {
        var resolved = ResolveFolder(folder);
        Cifar10Status Fail(string problem, IReadOnlyList<Cifar10FileStatus>? files = null, string origin = "") =>
            new(resolved, files ?? [], origin, false, 0, 0, checkMd5, problem);

        if (!Directory.Exists(resolved)) return Fail($"There is no folder {resolved}.");
        var present = Directory.EnumerateFiles(resolved).Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (present.Contains("data_batch_1") || present.Contains("batches.meta"))
            return Fail($"{resolved} holds the Python version of CIFAR-10 (pickled data_batch_1 … without .bin, from cifar-10-python.tar.gz). " +
                        $"The course reads the binary version, {ArchiveName} (files data_batch_1.bin … data_batch_5.bin, test_batch.bin).");
        if (present.Contains("data_batch_1.mat"))
            return Fail($"{resolved} holds the MATLAB version of CIFAR-10 (data_batch_1.mat …). The course reads the binary version, {ArchiveName}.");
        if (!present.Any(n => n.EndsWith(".bin", StringComparison.Ordinal)))
            return Fail($"{resolved} holds no CIFAR-10 binary files (data_batch_1.bin … data_batch_5.bin, test_batch.bin).");

        Cifar10Manifest manifest;
        try { manifest = Cifar10Manifest.For(resolved); }
        catch (DataSetException e) { return Fail(e.Message); }
        if (!manifest.Md5.ContainsKey(TestFileName) || manifest.TrainFiles.Count == 0)
            return Fail($"{manifest.Origin} must list {TestFileName} and at least one data_batch_N.bin.", origin: manifest.Origin);

        var files = new List<Cifar10FileStatus>();
        string? problem = null;
        long train = 0, test = 0;
        foreach (var (name, expected) in manifest.Md5.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(resolved, name);
            if (!File.Exists(path))
            {
                files.Add(new(name, 0, 0, expected, null, FileCheck.Missing));
                problem ??= $"{name} is missing from {resolved} ({manifest.Origin} lists it).";
                continue;
            }
            long size = new FileInfo(path).Length;
            bool isData = IsTrainFile(name) || name == TestFileName;
            bool badSize = isData && (size == 0 || size % RecordSize != 0 || (manifest.IsOfficial && size != OfficialFileBytes));
            if (badSize)
            {
                files.Add(new(name, size, size / RecordSize, expected, null, FileCheck.BadSize));
                problem ??= manifest.IsOfficial && size % RecordSize == 0 && size > 0
                    ? $"{path} is {size:N0} bytes; the official file is {OfficialFileBytes:N0} bytes (10,000 records of {RecordSize:N0}). It is incomplete or not the official file."
                    : $"{path} is {size:N0} bytes, not a whole number of CIFAR-10 records ({RecordSize:N0} bytes each): it is truncated or not a CIFAR-10 binary file.";
                continue;
            }
            // A file with an official name and the official size claims to be that official file: only the
            // official checksum can vouch for it, whatever the folder's MD5SUMS says (an MD5SUMS regenerated
            // after a byte flipped would otherwise "verify" it). Smaller files (the committed sample, cuts of
            // it, test data) are checked against the folder's MD5SUMS.
            var want = Cifar10Manifest.Official.Md5.TryGetValue(name, out var official) && size == OfficialFileBytes ? official : expected;
            string? actual = checkMd5 ? Cifar10Manifest.ComputeMd5(path) : null;
            var check = actual is null ? FileCheck.NotChecked : actual == want ? FileCheck.Verified : FileCheck.Mismatch;
            if (check == FileCheck.Mismatch)
                problem ??= want == official && official is not null
                    ? $"{path} has md5 {actual}, but the official CIFAR-10 checksum of {name} is {official}: the file is corrupt or was changed" +
                      (expected == official ? "" : expected == actual
                          ? $" (the {Cifar10Manifest.FileName} beside it matches the changed file, but only the official checksums count for an official file)"
                          : $" ({manifest.Origin} lists {expected})") +
                      $". Get the official files again: `course data download --force`, or `course data install --from {ArchiveName}`."
                    : $"{path} has md5 {actual}, but {manifest.Origin} expects {expected}: the file is corrupt or was changed.";
            long images = isData ? size / RecordSize : 0;
            if (IsTrainFile(name)) train += images;
            if (name == TestFileName) test += images;
            files.Add(new(name, size, images, want, actual, check));
        }
        foreach (var extra in present.Where(n => IsTrainFile(n) && !manifest.Md5.ContainsKey(n)).Order(StringComparer.Ordinal))
            files.Add(new(extra, new FileInfo(Path.Combine(resolved, extra)).Length, 0, null, null, FileCheck.Unlisted));
        return new(resolved, files, manifest.Origin, manifest.IsOfficial, train, test, checkMd5, problem);
    }

    /// <summary>
    /// Downloads cifar-10-binary.tar.gz from <paramref name="url"/> (the official address by default),
    /// checks its md5, extracts it, checks every file's md5 and moves the result into place. Nothing
    /// is left half-written: the archive and the extraction live in temporary names until verified.
    /// </summary>
    public static string Download(string? folder = null, bool force = false, string url = Url, IProgress<DownloadProgress>? progress = null)
    {
        var resolved = ResolveFolder(folder);
        Cifar10Installer.Download(resolved, url, ArchiveMd5, Cifar10Manifest.Official, force, progress);
        return resolved;
    }

    /// <summary>
    /// Installs CIFAR-10 from a local archive (cifar-10-binary.tar.gz, or a .tar) or a folder of the
    /// binary files, for machines without internet. Verifies every file before moving it into place: a
    /// file with an official name and size against the official checksums, always (an MD5SUMS that
    /// came with it cannot vouch for it); smaller files — a sample cut by <see cref="CutSample"/> — against
    /// the archive's or folder's MD5SUMS.
    /// </summary>
    public static string Install(string from, string? folder = null, bool force = false)
    {
        var resolved = ResolveFolder(folder);
        Cifar10Installer.Install(Path.GetFullPath(from), resolved, force);
        return resolved;
    }

    /// <summary>
    /// Cuts a class-balanced sample of a verified CIFAR-10 folder into <paramref name="outFolder"/>,
    /// in the original layout (data_batch_1.bin, test_batch.bin, batches.meta.txt, MD5SUMS).
    /// Deterministic: the same source, counts and seed give byte-identical files.
    /// </summary>
    public static Cifar10Status CutSample(string from, string outFolder, int trainPerClass, int testPerClass, long seed)
    {
        var source = ResolveFolder(from);
        var status = Status(source, checkMd5: true);
        if (!status.Ok) throw new DataSetException($"Cannot cut a sample from {source}: {status.Problem}");
        var target = Path.GetFullPath(outFolder);
        if (target == source) throw new DataSetException("The sample's --out folder must differ from its --from folder.");
        // A train part of exactly 10,000 images would have an official file's size, and Status checks such a file
        // against the official checksums only: the cut could never verify. (A full test part is the official
        // test_batch.bin itself, in its order, and verifies.)
        if ((long)trainPerClass * ClassNames(source).Count * RecordSize == OfficialFileBytes)
            throw new DataSetException(
                $"--train-per-class {trainPerClass} would make a {OfficialFileBytes / RecordSize:N0}-image data_batch_1.bin, the size of an official file, which is always " +
                $"checked against the official checksums (a sample is not the official file). Use {trainPerClass - 1} or {trainPerClass + 1}.");

        using var train = Load(source, Cifar10Split.Train);
        using var test = Load(source, Cifar10Split.Test);
        using var trainPart = train.Subset(trainPerClass, Seeds.Mix(seed, 1));
        using var testPart = test.Subset(testPerClass, Seeds.Mix(seed, 2));
        Cifar10Installer.ReplaceFolderWith(target, temp =>
        {
            Cifar10Format.Write(Path.Combine(temp, "data_batch_1.bin"), trainPart);
            Cifar10Format.Write(Path.Combine(temp, TestFileName), testPart);
            var meta = Path.Combine(source, MetaFileName);
            if (File.Exists(meta)) Cifar10Installer.CopyContent(meta, Path.Combine(temp, MetaFileName));
            else AtomicFile.WriteAllText(Path.Combine(temp, MetaFileName), string.Join("\n", train.ClassNames) + "\n\n");
            var sums = new Dictionary<string, string>
            {
                ["data_batch_1.bin"] = Cifar10Manifest.ComputeMd5(Path.Combine(temp, "data_batch_1.bin")),
                [TestFileName] = Cifar10Manifest.ComputeMd5(Path.Combine(temp, TestFileName)),
            };
            AtomicFile.WriteAllText(Path.Combine(temp, Cifar10Manifest.FileName), new Cifar10Manifest(sums, "").ToText());
        });
        return Status(target, checkMd5: true);
    }

    /// <summary>What to run to get the data into <paramref name="folder"/>.</summary>
    public static string HowToInstall(string folder) =>
        $"To get CIFAR-10 (binary version) into {folder}: run `course data download` (from {Url}, md5 {ArchiveMd5}), " +
        $"or without internet download {ArchiveName} elsewhere and run `course data install --from <archive|folder>`; " +
        $"or point {EnvironmentVariable} (or the notebook's dataDir parameter) at a folder that holds it. " +
        "The committed sample datasets/cifar-10-sample works for quick runs.";

    internal static bool IsTrainFile(string name) => Cifar10Format.TrainFilePattern().IsMatch(name);

    internal static int BatchNumber(string name) =>
        int.Parse(Cifar10Format.TrainFilePattern().Match(name).Groups[1].Value, CultureInfo.InvariantCulture);
}

public sealed record DownloadProgress(long Bytes, long? TotalBytes);

/// <summary>Download progress for notebooks and scripts: a line at every quarter.</summary>
internal sealed class ConsoleDownloadProgress : IProgress<DownloadProgress>
{
    int lastQuarter;

    public void Report(DownloadProgress value)
    {
        if (value.TotalBytes is not > 0) return;
        int quarter = (int)(4 * value.Bytes / value.TotalBytes.Value);
        if (quarter <= lastQuarter) return;
        lastQuarter = quarter;
        Console.WriteLine($"  {25 * quarter}% of {value.TotalBytes.Value / 1e6:F0} MB");
    }
}

/// <summary>The course repository's root: the nearest folder above the working directory (or this assembly) holding Directory.Packages.props and lib/MlpRevival.</summary>
internal static class RepoRoot
{
    public static string? Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(RepoRoot).Assembly.Location) })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")) && Directory.Exists(Path.Combine(dir.FullName, "lib", "MlpRevival")))
                    return dir.FullName;
        }
        return null;
    }
}
