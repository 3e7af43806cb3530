using System.Text.Json;
using Microsoft.CodeAnalysis;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// The NuGet packages this process carries, read from its .deps.json files. A notebook's
/// #r "nuget: Name, Version" resolves to these and nothing else: the runner never downloads, so a
/// notebook pin that drifts from Directory.Packages.props fails with a message that says so.
/// </summary>
public sealed class PackageCatalog
{
    public sealed record Package(string Name, string Version, IReadOnlyList<string> Assemblies, IReadOnlyList<string> Dependencies);

    readonly Dictionary<string, Package> packages;

    PackageCatalog(Dictionary<string, Package> packages) => this.packages = packages;

    public IReadOnlyCollection<Package> Packages => packages.Values;

    public static PackageCatalog ForThisProcess()
    {
        var files = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Where(File.Exists);
        return FromDepsFiles(files, AppContext.BaseDirectory);
    }

    public static PackageCatalog FromDepsFiles(IEnumerable<string> depsFiles, string assemblyDirectory)
    {
        var found = new Dictionary<string, Package>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in depsFiles)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            if (!root.TryGetProperty("libraries", out var libraries) || !root.TryGetProperty("targets", out var targets)) continue;
            var target = targets.EnumerateObject().FirstOrDefault().Value;
            if (target.ValueKind != JsonValueKind.Object) continue;

            foreach (var library in libraries.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("type", out var type) || type.GetString() != "package") continue;
                var slash = library.Name.IndexOf('/');
                var (name, version) = (library.Name[..slash], library.Name[(slash + 1)..]);
                var assemblies = new List<string>();
                var dependencies = new List<string>();
                if (target.TryGetProperty(library.Name, out var entry))
                {
                    if (entry.TryGetProperty("runtime", out var runtime))
                        foreach (var asset in runtime.EnumerateObject())
                        {
                            var local = Path.Combine(assemblyDirectory, Path.GetFileName(asset.Name));
                            if (File.Exists(local)) assemblies.Add(local);
                        }
                    if (entry.TryGetProperty("dependencies", out var deps))
                        dependencies.AddRange(deps.EnumerateObject().Select(d => d.Name));
                }
                found.TryAdd(name, new Package(name, version, assemblies, dependencies));
            }
        }
        return new PackageCatalog(found);
    }

    public Package? Find(string name) => packages.GetValueOrDefault(name);

    /// <summary>References for a requested package and everything it depends on, or a clear error.</summary>
    public IReadOnlyList<MetadataReference> Resolve(PackageRequest request)
    {
        var package = Find(request.Name) ?? throw new DirectiveException(request.Line,
            $"#r \"nuget: {request.Name}{(request.Version is null ? "" : ", " + request.Version)}\": the course runner " +
            $"does not carry the package {request.Name}. It resolves packages only from its own build, never from the " +
            "network. Add the package to Directory.Packages.props and to lib/MlpRevival/MlpRevival.csproj, rebuild, " +
            "or remove this line.");
        if (request.Version is not null && !string.Equals(request.Version, package.Version, StringComparison.OrdinalIgnoreCase))
            throw new DirectiveException(request.Line,
                $"#r \"nuget: {request.Name}, {request.Version}\": the course pins {package.Name} {package.Version} " +
                $"(Directory.Packages.props) and the runner carries only that version. Change the notebook to " +
                $"#r \"nuget: {package.Name}, {package.Version}\", or change the pin and rebuild.");

        var references = new List<MetadataReference>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([package.Name]);
        while (pending.Count > 0)
        {
            var next = Find(pending.Pop());
            if (next is null || !seen.Add(next.Name)) continue;
            references.AddRange(next.Assemblies.Select(a => MetadataReference.CreateFromFile(a)));
            foreach (var dependency in next.Dependencies) pending.Push(dependency);
        }
        return references;
    }
}
