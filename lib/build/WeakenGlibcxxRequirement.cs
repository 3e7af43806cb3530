#nullable enable
// Compiled by MSBuild's RoslynCodeTaskFactory (see TorchSharpNativeFix.targets).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++), which
// Debian 12 and Ubuntu 22.04 do not have, so TorchSharp fails to load there. The only symbol of that
// version the library uses is _ZSt21ios_base_library_initv, a bare marker with no relocation
// against it. Marking that one version requirement weak (VER_FLG_WEAK in the vna_flags of its
// .gnu.version_r entry) lets the dynamic loader accept the older libstdc++ and TorchSharp runs.
//
// The task patches only copies of libLibTorchSharp.so in a build output folder, never the NuGet
// cache, only when this host's libstdc++ lacks the version, and keeps the file's timestamp so the
// next incremental build neither re-copies nor re-reports it.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxRequirement : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public string OutputDirectory { get; set; } = "";
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    /// <summary>
    /// A file the first patching build creates: the fix is announced once (high importance) for the
    /// whole build of the solution, and at normal importance for every further output folder.
    /// </summary>
    public string StampFile { get; set; } = "";

    public override bool Execute()
    {
        if (!Directory.Exists(OutputDirectory)) return true;
        var libraries = Directory.EnumerateFiles(OutputDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).ToList();
        if (libraries.Count == 0) return true;

        var hostLibrary = FindHostLibstdcxx();
        if (hostLibrary == null)
        {
            Log.LogMessage(MessageImportance.Low, "No libstdc++.so.6 found on this host; TorchSharp native fix not needed.");
            return true;
        }
        if (ContainsAscii(File.ReadAllBytes(hostLibrary), Version + "\0"))
        {
            Log.LogMessage(MessageImportance.Low, $"{hostLibrary} provides {Version}; TorchSharp native fix not needed.");
            return true;
        }

        foreach (var library in libraries)
        {
            string outcome;
            try { outcome = Patch(library); }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogWarning($"Could not apply the TorchSharp native fix to {library}: {e.Message}");
                continue;
            }
            if (outcome == "patched")
                Log.LogMessage(FirstReport() ? MessageImportance.High : MessageImportance.Normal,
                    $"TorchSharp native fix: this host's libstdc++ ({hostLibrary}) lacks {Version}; marked that " +
                    $"requirement weak in the build output copy {library} so TorchSharp loads (README, Troubleshooting).");
        }
        return true;
    }

    bool FirstReport()
    {
        if (StampFile.Length == 0) return true;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(StampFile)!);
            using (new FileStream(StampFile, FileMode.CreateNew, FileAccess.Write)) { }
            return true;
        }
        catch (IOException) { return false; }   // another output folder reported it already
        catch (UnauthorizedAccessException) { return true; }
    }

    /// <summary>Returns "patched", "already weak" or "not required".</summary>
    string Patch(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);

        for (int i = 0; i < shnum; i++)
        {
            long header = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;

            long sectionOffset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)header + 0x28);
            int entries = (int)BitConverter.ToUInt32(elf, (int)header + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

            long verneed = sectionOffset;
            for (int n = 0; n < entries; n++)
            {
                int count = BitConverter.ToUInt16(elf, (int)verneed + 2);
                long vernaux = verneed + BitConverter.ToUInt32(elf, (int)verneed + 8);
                for (int a = 0; a < count; a++)
                {
                    int flagsAt = (int)vernaux + 4;
                    string name = ReadCString(elf, strtab + BitConverter.ToUInt32(elf, (int)vernaux + 8));
                    if (name == Version)
                    {
                        var flags = BitConverter.ToUInt16(elf, flagsAt);
                        if ((flags & VerFlgWeak) != 0) return "already weak";
                        var weak = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
                        elf[flagsAt] = weak[0];
                        elf[flagsAt + 1] = weak[1];
                        ReplaceKeepingTimestamp(path, elf);
                        return "patched";
                    }
                    vernaux += BitConverter.ToUInt32(elf, (int)vernaux + 12);
                }
                verneed += BitConverter.ToUInt32(elf, (int)verneed + 12);
            }
        }
        return "not required";
    }

    // Write beside, then rename over: a hard link into the NuGet cache (if the build made one) is
    // broken instead of written through, and a crash never leaves a half-written library.
    static void ReplaceKeepingTimestamp(string path, byte[] content)
    {
        var stamp = File.GetLastWriteTimeUtc(path);
        var temp = path + ".weak-tmp";
        File.WriteAllBytes(temp, content);
        File.SetLastWriteTimeUtc(temp, stamp);
        File.Delete(path);
        File.Move(temp, path);
    }

    static string ReadCString(byte[] data, long offset)
    {
        int end = (int)offset;
        while (end < data.Length && data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)offset, end - (int)offset);
    }

    static bool ContainsAscii(byte[] haystack, string needle)
    {
        var pattern = Encoding.ASCII.GetBytes(needle);
        for (int i = 0; i <= haystack.Length - pattern.Length; i++)
        {
            int j = 0;
            while (j < pattern.Length && haystack[i + j] == pattern[j]) j++;
            if (j == pattern.Length) return true;
        }
        return false;
    }

    // The libstdc++ the dynamic loader would pick: LD_LIBRARY_PATH first, then the ldconfig cache,
    // then the usual multiarch folders.
    static string? FindHostLibstdcxx()
    {
        var candidates = new List<string>();
        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
            candidates.AddRange(ldPath!.Split(':').Where(d => d.Length > 0).Select(d => Path.Combine(d, "libstdc++.so.6")));
        candidates.AddRange(FromLdconfig());
        candidates.AddRange(new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                                    "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" }
                            .Select(d => Path.Combine(d, "libstdc++.so.6")));
        return candidates.FirstOrDefault(File.Exists);
    }

    static IEnumerable<string> FromLdconfig()
    {
        foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            string output;
            try
            {
                var start = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using var process = Process.Start(start)!;
                output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
            }
            catch (Exception) { yield break; }
            var is64 = Environment.Is64BitProcess;
            foreach (var line in output.Split('\n'))
            {
                var trimmed = line.Trim();
                if (!trimmed.StartsWith("libstdc++.so.6 ")) continue;
                if (is64 && !(trimmed.Contains("x86-64") || trimmed.Contains("AArch64"))) continue;
                var arrow = trimmed.IndexOf("=> ", StringComparison.Ordinal);
                if (arrow > 0) yield return trimmed.Substring(arrow + 3).Trim();
            }
            yield break;
        }
    }
}
