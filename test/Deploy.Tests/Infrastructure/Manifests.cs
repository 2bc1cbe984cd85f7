using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Encore.Deploy.Tests.Infrastructure;

/// <summary>One object of a kustomize build: its raw YAML and a JSON view of it.</summary>
internal sealed record Manifest(string ApiVersion, string Kind, string Name, string? Namespace, JsonObject Json, string Yaml)
{
    public override string ToString() => $"{Kind} {Name} ({ApiVersion})";
}

/// <summary>The output of <c>kubectl kustomize</c> for a folder under k8s/, built once per test run.</summary>
internal sealed class Manifests
{
    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Builds = new();

    /// <summary>Built-in kinds, by "apiVersion/kind", as the Kubernetes client library models them.</summary>
    public static IReadOnlyDictionary<string, Type> BuiltInTypes { get; } = typeof(V1Pod).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(x => x.Entity is not null && !x.Type.Name.EndsWith("List", StringComparison.Ordinal))
        .GroupBy(x => Key(ApiVersionOf(x.Entity!), x.Entity!.Kind))
        .ToDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);

    private Manifests(string folder, IReadOnlyList<Manifest> objects)
    {
        Folder = folder;
        Objects = objects;
    }

    public string Folder { get; }

    public IReadOnlyList<Manifest> Objects { get; }

    /// <summary>Builds k8s/&lt;folder&gt; (e.g. "base", "overlays/gke").</summary>
    public static Manifests Of(string folder) =>
        Builds.GetOrAdd(folder, f => new Lazy<Manifests>(() => Build(Repo.PathOf($"k8s/{f}"), f))).Value;

    /// <summary>Builds a kustomization anywhere on disk (a modified copy, say); not cached.</summary>
    public static Manifests Build(string directory, string label)
    {
        var result = Processes.Run("kubectl", ["kustomize", directory], Repo.Root, TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"kubectl kustomize {label} failed ({result.ExitCode}):\n{result.StandardError}");
        }

        var objects = new List<Manifest>();
        foreach (var text in SplitDocuments(result.StandardOutput))
        {
            var json = Infrastructure.Yaml.Load(text);
            objects.Add(new Manifest(
                json["apiVersion"].Str() ?? throw new Xunit.Sdk.XunitException($"An object of {label} has no apiVersion:\n{text}"),
                json["kind"].Str() ?? throw new Xunit.Sdk.XunitException($"An object of {label} has no kind:\n{text}"),
                json["metadata"]?["name"].Str() ?? throw new Xunit.Sdk.XunitException($"An object of {label} has no metadata.name:\n{text}"),
                json["metadata"]?["namespace"].Str(),
                json,
                text));
        }

        return new Manifests(label, objects);
    }

    public IEnumerable<Manifest> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public Manifest Single(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{Folder} has no {kind} named {name}.");

    public bool Has(string kind, string name) => Objects.Any(o => o.Kind == kind && o.Name == name);

    /// <summary>The object as the Kubernetes client models it; unknown fields fail (strict).</summary>
    public T Typed<T>(string name)
        where T : IKubernetesObject
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()!;
        return Strict<T>(Single(entity.Kind, name));
    }

    public IEnumerable<T> AllTyped<T>()
        where T : IKubernetesObject
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()!;
        return OfKind(entity.Kind).Where(o => o.ApiVersion == ApiVersionOf(entity)).Select(Strict<T>);
    }

    /// <summary>The pod templates of every workload, with the object that holds each.</summary>
    public IEnumerable<(Manifest Owner, V1PodTemplateSpec Template)> PodTemplates()
    {
        foreach (var o in Objects)
        {
            switch (o.Kind)
            {
                case "Deployment":
                    yield return (o, Strict<V1Deployment>(o).Spec.Template);
                    break;
                case "StatefulSet":
                    yield return (o, Strict<V1StatefulSet>(o).Spec.Template);
                    break;
                case "DaemonSet":
                    yield return (o, Strict<V1DaemonSet>(o).Spec.Template);
                    break;
                case "Job":
                    yield return (o, Strict<V1Job>(o).Spec.Template);
                    break;
            }
        }
    }

    public static T Strict<T>(Manifest manifest) =>
        KubernetesYaml.Deserialize<T>(manifest.Yaml, strict: true);

    public static string Key(string apiVersion, string kind) => $"{apiVersion}/{kind}";

    private static string ApiVersionOf(KubernetesEntityAttribute entity) =>
        string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";

    private static IEnumerable<string> SplitDocuments(string output)
    {
        var current = new System.Text.StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.TrimEnd() == "---")
            {
                if (current.ToString().Trim().Length > 0)
                {
                    yield return current.ToString();
                }
                current.Clear();
            }
            else
            {
                current.Append(line).Append('\n');
            }
        }

        if (current.ToString().Trim().Length > 0)
        {
            yield return current.ToString();
        }
    }
}
