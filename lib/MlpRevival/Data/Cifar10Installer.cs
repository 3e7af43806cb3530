using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;

namespace MlpRevival.Data;

/// <summary>
/// Download, extraction and installation. Everything is written under temporary names next to the
/// target and moved into place only after every file's md5 has been checked, so an interrupted or
/// failed install leaves the previous state (or nothing), never a half-written folder.
/// </summary>
internal static class Cifar10Installer
{
    /// <summary>File names a CIFAR-10 folder may hold besides data_batch_N.bin: replacing a folder is refused if it holds anything else.</summary>
    static readonly HashSet<string> KnownExtras = new(StringComparer.Ordinal)
        { Cifar10.TestFileName, Cifar10.MetaFileName, "readme.html", Cifar10Manifest.FileName };

    static bool IsKnown(string name) => Cifar10.IsTrainFile(name) || KnownExtras.Contains(name);

    public static void Download(string target, string url, string archiveMd5, Cifar10Manifest manifest, bool force, IProgress<DownloadProgress>? progress)
    {
        if (!force && Cifar10.Status(target, checkMd5: true).Ok) return;
        CheckReplaceable(target, force);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var partial = Path.Combine(parent, $".{Cifar10.ArchiveName}.{Guid.NewGuid():N}.partial");
        try
        {
            var md5 = Fetch(url, partial, target, progress);
            if (md5 != archiveMd5)
                throw new DataSetException(
                    $"The archive downloaded from {url} has md5 {md5}, expected {archiveMd5}: the download was corrupted or the file there changed. " +
                    $"Nothing was installed. Try again, or download {Cifar10.ArchiveName} by other means and run `course data install --from <archive>`.");
            InstallArchive(partial, url, target, manifest);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    public static void Install(string from, string target, bool force)
    {
        if (Directory.Exists(from))
        {
            var source = Cifar10.ResolveFolder(from);
            if (source == target)
            {
                var here = Cifar10.Status(target, checkMd5: true);
                if (!here.Ok) throw new DataSetException(here.Problem!);
                return;
            }
            var status = Cifar10.Status(source, checkMd5: false);
            if (!status.Ok) throw new DataSetException($"Cannot install from {source}: {status.Problem}");
            if (!force && Cifar10.Status(target, checkMd5: true).Ok)
                throw new DataSetException($"{target} already holds verified CIFAR-10. Use --force to replace it with the data in {source}.");
            CheckReplaceable(target, force);
            var manifest = Cifar10Manifest.For(source);
            ReplaceFolderWith(target, temp =>
            {
                foreach (var name in manifest.Md5.Keys.Concat(KnownExtras).Distinct())
                {
                    var file = Path.Combine(source, name);
                    if (File.Exists(file)) CopyContent(file, Path.Combine(temp, name));
                }
                Seal(temp, source, manifest);
            });
        }
        else if (File.Exists(from))
        {
            if (!force && Cifar10.Status(target, checkMd5: true).Ok)
                throw new DataSetException($"{target} already holds verified CIFAR-10. Use --force to replace it with the data in {from}.");
            CheckReplaceable(target, force);
            InstallArchive(from, from, target, Cifar10Manifest.Official);
        }
        else throw new DataSetException($"{from}: no such file or folder. Give {Cifar10.ArchiveName} (or a .tar of it) or a folder holding the binary files.");
    }

    /// <summary>Extracts the CIFAR-10 files of a .tar.gz (or .tar) archive, verifies them and moves them into place.</summary>
    static void InstallArchive(string archive, string label, string target, Cifar10Manifest fallbackManifest)
    {
        ReplaceFolderWith(target, temp =>
        {
            var skipped = new List<string>();
            try
            {
                using var file = File.OpenRead(archive);
                bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
                file.Position = 0;
                using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
                using var reader = new TarReader(content);
                while (reader.GetNextEntry() is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                    // Take files by name only: an entry's folder (cifar-10-batches-bin/) does not matter and
                    // cannot point outside the temporary folder.
                    var name = Path.GetFileName(entry.Name);
                    if (name is "data_batch_1" or "batches.meta")
                        throw new DataSetException(
                            $"{label} is the Python version of CIFAR-10 (pickled data_batch_1 …, from cifar-10-python.tar.gz). " +
                            $"The course reads the binary version: {Cifar10.ArchiveName} from {Cifar10.Url} (md5 {Cifar10.ArchiveMd5}).");
                    if (!IsKnown(name)) { skipped.Add(entry.Name); continue; }
                    var destination = Path.Combine(temp, name);
                    if (File.Exists(destination)) throw new DataSetException($"{label} holds {name} twice ({entry.Name}); it is not a CIFAR-10 archive.");
                    if (entry.DataStream is null) continue;
                    using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write);
                    entry.DataStream.CopyTo(output);
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new DataSetException($"{label} is not a readable .tar.gz or .tar archive ({e.Message}): it is truncated or corrupt. Download it again ({Cifar10.Url}, md5 {Cifar10.ArchiveMd5}).", e);
            }
            if (!Directory.EnumerateFiles(temp, "*.bin").Any())
                throw new DataSetException($"{label} holds no CIFAR-10 binary files (data_batch_N.bin, test_batch.bin)" +
                                           (skipped.Count > 0 ? $"; it holds {string.Join(", ", skipped.Take(5))}{(skipped.Count > 5 ? ", …" : "")}." : "."));
            var manifest = File.Exists(Path.Combine(temp, Cifar10Manifest.FileName)) ? Cifar10Manifest.Read(Path.Combine(temp, Cifar10Manifest.FileName)) : fallbackManifest;
            Seal(temp, label, manifest);
        });
    }

    /// <summary>Verifies a filled temporary folder against its manifest and writes MD5SUMS, or throws naming the source.</summary>
    static void Seal(string temp, string label, Cifar10Manifest manifest)
    {
        var sums = Path.Combine(temp, Cifar10Manifest.FileName);
        if (!File.Exists(sums)) AtomicFile.WriteAllText(sums, manifest.ToText());
        var status = Cifar10.Status(temp, checkMd5: true);
        if (!status.Ok)
            throw new DataSetException($"{label}: {status.Problem!.Replace(temp + Path.DirectorySeparatorChar, "").Replace(temp, label)} Nothing was installed.");
    }

    /// <summary>
    /// Fills a temporary sibling of <paramref name="target"/> and then swaps it in: old folder renamed
    /// aside, new one renamed into place, old one deleted. On failure the temporary folder is removed
    /// and the target is as it was.
    /// </summary>
    public static void ReplaceFolderWith(string target, Action<string> fill)
    {
        var parent = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{name}.installing-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            if (Directory.Exists(target))
            {
                CheckReplaceable(target, force: true);
                var old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(target, old);
                try { Directory.Move(temp, target); }
                catch { Directory.Move(old, target); throw; }
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(temp, target);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>An existing target may be replaced only with --force and only if it holds nothing but CIFAR-10 files.</summary>
    static void CheckReplaceable(string target, bool force)
    {
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any()) return;
        var foreign = Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName).OfType<string>()
            .Where(n => !IsKnown(n) || Directory.Exists(Path.Combine(target, n))).Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
            throw new DataSetException(
                $"{target} holds files that are not CIFAR-10's ({string.Join(", ", foreign.Take(5))}{(foreign.Count > 5 ? ", …" : "")}); " +
                "the course will not replace it. Choose an empty or new folder (--dir), or move those files away.");
        if (!force)
        {
            var status = Cifar10.Status(target, checkMd5: true);
            throw new DataSetException($"{target} already holds CIFAR-10 files that do not check out: {status.Problem} Run again with --force to replace them.");
        }
    }

    /// <summary>Copies the bytes only (File.Copy would carry a read-only mode along, which later blocks --force on Windows).</summary>
    internal static void CopyContent(string from, string to)
    {
        using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var destination = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        source.CopyTo(destination);
    }

    /// <summary>Streams <paramref name="url"/> into <paramref name="path"/> and returns the md5 of what arrived.</summary>
    static string Fetch(string url, string path, string target, IProgress<DownloadProgress>? progress)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30), AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromHours(2) };
        try
        {
            using var response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new DataSetException($"Could not download CIFAR-10: {url} answered {(int)response.StatusCode} {response.ReasonPhrase}. {Cifar10.HowToInstall(target)}");
            long? total = response.Content.Headers.ContentLength;
            using var body = response.Content.ReadAsStream();
            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var buffer = new byte[1 << 20];
            long done = 0;
            int n;
            while ((n = body.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                md5.AppendData(buffer, 0, n);
                done += n;
                progress?.Report(new(done, total));
            }
            if (total is { } expected && done != expected)
                throw new DataSetException($"The download from {url} ended after {done:N0} of {expected:N0} bytes. Nothing was installed; try again.");
            return Convert.ToHexStringLower(md5.GetHashAndReset());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new DataSetException($"Could not download CIFAR-10 from {url} ({e.Message}). Nothing was installed. {Cifar10.HowToInstall(target)}", e);
        }
    }
}
