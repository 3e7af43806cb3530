using System.Text;

namespace MlpRevival.Tests.Build;

/// <summary>
/// The build's TorchSharp native fix (lib/build/WeakenGlibcxxRequirement.cs): on a host whose
/// libstdc++ lacks GLIBCXX_3.4.32, the build output copy of libLibTorchSharp.so carries that
/// version requirement as weak; the NuGet cache copy is never changed. The ELF reading here is a
/// second, independent implementation of the version-needs walk.
/// </summary>
public class TorchSharpNativeFixTests
{
    const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void The_output_copy_is_weak_exactly_when_the_host_needs_it_and_the_cache_copy_is_untouched()
    {
        if (!OperatingSystem.IsLinux()) return;
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), output);

        var hostHasVersion = HostLibstdcxxHas(Version);
        Assert.Equal(!hostHasVersion, RequirementFlags(output)[Version] == "weak");

        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cached)) Assert.Equal("none", RequirementFlags(cached)[Version]);
    }

    static bool HostLibstdcxxHas(string version)
    {
        var library = new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib/aarch64-linux-gnu" }
            .Select(d => Path.Combine(d, "libstdc++.so.6")).First(File.Exists);
        return Encoding.ASCII.GetString(File.ReadAllBytes(library)).Contains(version + "\0", StringComparison.Ordinal);
    }

    /// <summary>Every version a library needs (.gnu.version_r), with "weak" or "none".</summary>
    static Dictionary<string, string> RequirementFlags(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        ulong U64(long at) { reader.BaseStream.Position = at; return reader.ReadUInt64(); }
        uint U32(long at) { reader.BaseStream.Position = at; return reader.ReadUInt32(); }
        ushort U16(long at) { reader.BaseStream.Position = at; return reader.ReadUInt16(); }
        string Str(long at)
        {
            reader.BaseStream.Position = at;
            var bytes = new List<byte>();
            for (byte b; (b = reader.ReadByte()) != 0;) bytes.Add(b);
            return Encoding.ASCII.GetString(bytes.ToArray());
        }

        var result = new Dictionary<string, string>();
        long sections = (long)U64(0x28);
        int size = U16(0x3A), count = U16(0x3C);
        for (int i = 0; i < count; i++)
        {
            long header = sections + i * size;
            if (U32(header + 4) != 0x6ffffffe) continue;               // SHT_GNU_verneed
            long strings = (long)U64(sections + U32(header + 0x28) * size + 0x18);
            long need = (long)U64(header + 0x18);
            for (uint n = U32(header + 0x2C); n > 0; n--)
            {
                long aux = need + U32(need + 8);
                for (int a = U16(need + 2); a > 0; a--)
                {
                    result[Str(strings + U32(aux + 8))] = (U16(aux + 4) & 0x2) != 0 ? "weak" : "none";
                    aux += U32(aux + 12);
                }
                need += U32(need + 12);
            }
        }
        return result;
    }
}
