using MlpRevival.Grading;
using MlpRevival.Tests.Notebooks;

namespace MlpRevival.Tests.Grading;

/// <summary>
/// Where the sandbox mounts what a notebook references: a relative #r lands where the sandbox's
/// notebook folder expects it, an absolute one at its own path — also under /tmp, which the sandbox
/// replaces by a private one (a clean clone in a temp folder graded nothing before this).
/// </summary>
public class SandboxMountTests
{
    [Fact]
    public void Relative_references_follow_the_notebook_folder_and_absolute_ones_keep_their_path()
    {
        var root = TestNotebooks.TempFolder();
        var notebooks = Directory.CreateDirectory(Path.Combine(root, "course", "notebooks")).FullName;
        var lib = Directory.CreateDirectory(Path.Combine(root, "course", "lib", "bin")).FullName;
        var data = Directory.CreateDirectory(Path.Combine(root, "course", "datasets")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(root, "elsewhere", "bin")).FullName;

        var mounts = Sandbox.MountsFor(notebooks,
            ["../lib/bin/Lib.dll", Path.Combine(elsewhere, "Other.dll")], ["../datasets"]);

        Assert.Contains(new ReadOnlyMount(lib, "/course/lib/bin"), mounts);
        Assert.Contains(new ReadOnlyMount(data, "/course/datasets"), mounts);
        Assert.Contains(new ReadOnlyMount(elsewhere, elsewhere), mounts);
        Assert.Equal(3, mounts.Count);
    }

    [Fact]
    public void A_build_output_inside_the_instructor_folder_is_refused()
    {
        var notebooks = Directory.CreateDirectory(Path.Combine(TestNotebooks.TempFolder(), "notebooks")).FullName;
        Directory.CreateDirectory(Path.Combine(notebooks, "bin"));
        var error = Assert.Throws<InvalidOperationException>(() => Sandbox.MountsFor(notebooks, ["bin/Lib.dll"], []));
        Assert.Contains("inside the instructor's notebook folder", error.Message);
    }
}
