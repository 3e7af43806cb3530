using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace MlpRevival.Display;

/// <summary>
/// One notebook output that can be replaced in place (training progress, for instance), or nothing
/// outside a notebook. In the .NET Interactive kernel this library binds to the kernel's own
/// Microsoft.DotNet.Interactive assembly, so <see cref="KernelInvocationContext.Current"/> is the
/// running cell's context (null in a console program or a test).
/// </summary>
public sealed class LiveDisplay
{
    readonly DisplayedValue handle;

    LiveDisplay(DisplayedValue handle) => this.handle = handle;

    /// <summary>True while a notebook cell is executing in this process.</summary>
    public static bool InNotebook => KernelInvocationContext.Current is not null;

    /// <summary>Shows <paramref name="value"/> as a new output of the running cell; null outside a notebook.</summary>
    public static LiveDisplay? TryShow(object value) =>
        KernelInvocationContext.Current is { } context ? new LiveDisplay(context.Display(value)) : null;

    /// <summary>Replaces the output's content.</summary>
    public void Update(object value) => handle.Update(value);
}
