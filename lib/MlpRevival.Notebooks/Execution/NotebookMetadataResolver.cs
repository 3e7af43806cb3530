using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// Resolves #r "file.dll" relative to the notebook's folder, as the kernel does in VS Code. When the
/// file is an assembly this process already has loaded (the course library, TorchSharp, Plotly.NET:
/// the runner carries them), the reference points at the loaded copy, so a notebook gets one copy of
/// each type and shares formatters and native libraries with the host.
/// </summary>
sealed class NotebookMetadataResolver(ScriptMetadataResolver inner) : MetadataReferenceResolver
{
    readonly ScriptMetadataResolver inner = inner;

    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override ImmutableArray<PortableExecutableReference> ResolveReference(
        string reference, string? baseFilePath, MetadataReferenceProperties properties)
    {
        var resolved = inner.ResolveReference(reference, baseFilePath, properties);
        return resolved.Select(r => r.FilePath is { } path ? ToLoadedCopy(path, properties) ?? r : r).ToImmutableArray();
    }

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity) =>
        LoadedAssembly(referenceIdentity.Name, referenceIdentity.Version) is { } loaded
            ? MetadataReference.CreateFromFile(loaded.Location)
            : inner.ResolveMissingAssembly(definition, referenceIdentity);

    static PortableExecutableReference? ToLoadedCopy(string path, MetadataReferenceProperties properties)
    {
        AssemblyName name;
        try { name = AssemblyName.GetAssemblyName(path); }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException) { return null; }
        var loaded = LoadedAssembly(name.Name, name.Version);
        return loaded is null ? null : MetadataReference.CreateFromFile(loaded.Location, properties);
    }

    static Assembly? LoadedAssembly(string? name, Version? version) =>
        AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a =>
            !a.IsDynamic && a.Location.Length > 0 &&
            string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase) &&
            (version is null || a.GetName().Version == version));

    public override bool Equals(object? other) => other is NotebookMetadataResolver r && r.inner.Equals(inner);

    public override int GetHashCode() => inner.GetHashCode();
}
