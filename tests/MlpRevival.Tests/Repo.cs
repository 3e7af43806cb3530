using System.Reflection;

namespace MlpRevival.Tests;

/// <summary>Where the repository and the built `course` tool are, as recorded by the build.</summary>
static class Repo
{
    static string Metadata(string key) =>
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} missing");

    public static string Root => Path.GetFullPath(Metadata("RepoRoot"));

    public static string CourseCli => Metadata("CourseCli");

    /// <summary>The course library's build output, the file notebooks reference with #r.</summary>
    public static string LibraryAssembly => Metadata("LibraryAssembly");

    public static string Path_(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>A folder under artifacts/ (git-ignored) for files a test wants to keep for inspection.</summary>
    public static string Artifacts(params string[] parts)
    {
        var dir = System.IO.Path.Combine([Root, "artifacts", .. parts]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
