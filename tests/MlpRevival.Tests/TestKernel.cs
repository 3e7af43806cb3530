using MlpRevival.Notebooks.Kernels;

namespace MlpRevival.Tests;

/// <summary>
/// The course kernel the tests run notebooks in: the repository's .kernel/, laid out (once, across
/// test processes) exactly as `course run` and `course kernel install` lay it out.
/// </summary>
static class TestKernel
{
    static readonly Lazy<Task<KernelLayout>> layout = new(() =>
        CourseKernel.EnsureAsync(Repo.Root, CourseKernel.DefaultDirectory(Repo.Root), FSharpCore));

    /// <summary>The FSharp.Core the course is built with (the test output has the same one as the course tool).</summary>
    public static string FSharpCore => Path.Combine(AppContext.BaseDirectory, "FSharp.Core.dll");

    public static KernelLayout Layout => layout.Value.GetAwaiter().GetResult();

    /// <summary>How a test notebook references the course library (absolute: test notebooks live in temp folders).</summary>
    public static string LibraryReference => $"#r \"{Repo.LibraryAssembly}\"";
}
