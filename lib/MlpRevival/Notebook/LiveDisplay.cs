using System.Reflection;

namespace MlpRevival.Notebook;

/// <summary>
/// One notebook output that can be replaced in place (training progress, for instance), or nothing
/// outside a notebook.
///
/// A library cannot reference the kernel (its packages are not in our feed, and the runner supplies
/// its own). Both the VS Code C# kernel and our runner expose the same public surface:
/// <c>Microsoft.DotNet.Interactive.KernelInvocationContext.Current</c> (non-null while a cell runs),
/// <c>Microsoft.DotNet.Interactive.Kernel.display(object, string[])</c> returning a value with
/// <c>Update(object)</c>. We find it by name at run time.
/// </summary>
public sealed class LiveDisplay
{
    readonly object handle;
    readonly MethodInfo update;

    LiveDisplay(object handle, MethodInfo update)
    {
        this.handle = handle;
        this.update = update;
    }

    /// <summary>True while a notebook cell is executing in this process (VS Code kernel or course runner).</summary>
    public static bool InNotebook => CurrentContext() is not null;

    /// <summary>Shows <paramref name="value"/> as a new output of the running cell; null outside a notebook.</summary>
    public static LiveDisplay? TryShow(object value)
    {
        if (CurrentContext() is null) return null;
        var kernel = FindType("Microsoft.DotNet.Interactive.Kernel");
        var display = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string[])]);
        var handle = display?.Invoke(null, [value, Array.Empty<string>()]);
        var update = handle?.GetType().GetMethod("Update", [typeof(object)]);
        return handle is null || update is null ? null : new LiveDisplay(handle, update);
    }

    /// <summary>Replaces the output's content.</summary>
    public void Update(object value) => update.Invoke(handle, [value]);

    static object? CurrentContext()
    {
        var type = FindType("Microsoft.DotNet.Interactive.KernelInvocationContext");
        return type?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
    }

    static Type? FindType(string fullName)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic) continue;
            var type = assembly.GetType(fullName, throwOnError: false);
            if (type is not null) return type;
        }
        return null;
    }
}
