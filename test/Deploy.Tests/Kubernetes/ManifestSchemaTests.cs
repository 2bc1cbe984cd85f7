using System.Text.RegularExpressions;
using Encore.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace Encore.Deploy.Tests.Kubernetes;

/// <summary>
/// Every kustomization builds, and every object in it is one the API server would accept:
/// built-in kinds are read strictly into the Kubernetes client's model (an unknown or misspelt
/// field, or a value of the wrong type, fails), their required fields are present, and every
/// reference between objects (selectors, named ports, ConfigMaps, service accounts, roles)
/// points at something that exists. Strimzi's kinds are checked field by field.
/// </summary>
public sealed partial class ManifestSchemaTests
{
    public static TheoryData<string> Kustomizations => ["base", "overlays/gke", "overlays/local"];

    /// <summary>The only custom resources the manifests may use: Strimzi 1.x serves kafka.strimzi.io/v1.</summary>
    private static readonly HashSet<string> CustomKinds =
    [
        "kafka.strimzi.io/v1/Kafka",
        "kafka.strimzi.io/v1/KafkaNodePool",
        "kafka.strimzi.io/v1/KafkaTopic",
    ];

    /// <summary>Secrets are created out of band (docs/deploy.md) and only referenced here.</summary>
    private static readonly HashSet<string> ExternalSecrets = ["encore-postgres", "encore-api-keys"];

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void EveryObjectHasAKnownApiVersionAndKind(string folder)
    {
        var manifests = Manifests.Of(folder);
        Assert.NotEmpty(manifests.Objects);
        foreach (var o in manifests.Objects)
        {
            var key = Manifests.Key(o.ApiVersion, o.Kind);
            Assert.True(Manifests.BuiltInTypes.ContainsKey(key) || CustomKinds.Contains(key), $"{folder}: unknown apiVersion/kind {key} ({o.Name}).");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void BuiltInObjectsMatchTheKubernetesSchema(string folder)
    {
        foreach (var o in Manifests.Of(folder).Objects)
        {
            if (!Manifests.BuiltInTypes.TryGetValue(Manifests.Key(o.ApiVersion, o.Kind), out var type))
            {
                continue;
            }

            var method = typeof(Manifests).GetMethod(nameof(Manifests.Strict))!.MakeGenericMethod(type);
            try
            {
                Assert.NotNull(method.Invoke(null, [o]));
            }
            catch (System.Reflection.TargetInvocationException e)
            {
                throw new Xunit.Sdk.XunitException($"{folder}: {o} does not match the Kubernetes schema: {e.InnerException?.Message}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void NamesAreValidAndUnique(string folder)
    {
        var manifests = Manifests.Of(folder);
        foreach (var o in manifests.Objects)
        {
            Assert.Matches(DnsSubdomain(), o.Name);
            Assert.True(o.Name.Length <= 253, $"{o} has a name over 253 characters.");
            if (o.Kind is "Service" or "Namespace")
            {
                Assert.Matches(DnsLabel(), o.Name);
            }
            Assert.Equal("encore", o.Namespace);
        }

        var duplicates = manifests.Objects.GroupBy(o => (o.ApiVersion, o.Kind, o.Name)).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void PodTemplatesHaveTheRequiredFieldsAndConsistentReferences(string folder)
    {
        var manifests = Manifests.Of(folder);
        foreach (var (owner, template) in manifests.PodTemplates())
        {
            var spec = template.Spec;
            var where = $"{folder}: {owner}";
            var all = spec.Containers.Concat(spec.InitContainers ?? []).ToList();
            Assert.NotEmpty(spec.Containers);
            Assert.Equal(all.Count, all.Select(c => c.Name).Distinct().Count());

            var volumes = (spec.Volumes ?? []).Select(v => v.Name).ToHashSet();
            foreach (var container in all)
            {
                Assert.False(string.IsNullOrEmpty(container.Name), $"{where}: a container has no name.");
                Assert.Matches(DnsLabel(), container.Name);
                Assert.False(string.IsNullOrEmpty(container.Image), $"{where}: container {container.Name} has no image.");

                var ports = container.Ports ?? [];
                foreach (var port in ports)
                {
                    Assert.InRange(port.ContainerPort, 1, 65535);
                    if (port.Name is not null)
                    {
                        Assert.Matches(PortName(), port.Name);
                    }
                }
                Assert.Equal(ports.Count, ports.Select(p => p.ContainerPort).Distinct().Count());
                Assert.Equal(ports.Count(p => p.Name is not null), ports.Where(p => p.Name is not null).Select(p => p.Name).Distinct().Count());

                foreach (var probe in new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }.Where(p => p is not null))
                {
                    var port = probe!.HttpGet?.Port ?? probe.TcpSocket?.Port;
                    if (port is not null)
                    {
                        Assert.True(ResolvePort(ports, port) is not null, $"{where}: a probe of {container.Name} uses port '{port.Value}', which the container does not declare.");
                    }
                }

                var env = container.Env ?? [];
                Assert.Equal(env.Count, env.Select(e => e.Name).Distinct().Count());
                foreach (var variable in env)
                {
                    Assert.True(variable.Value is null || variable.ValueFrom is null, $"{where}: {variable.Name} has both value and valueFrom.");
                    CheckConfigMapKey(manifests, variable.ValueFrom?.ConfigMapKeyRef?.Name, variable.ValueFrom?.ConfigMapKeyRef?.Key, where);
                    CheckSecret(variable.ValueFrom?.SecretKeyRef?.Name, where);
                }
                foreach (var source in container.EnvFrom ?? [])
                {
                    CheckConfigMapKey(manifests, source.ConfigMapRef?.Name, key: null, where);
                    CheckSecret(source.SecretRef?.Name, where);
                }

                foreach (var mount in container.VolumeMounts ?? [])
                {
                    Assert.True(volumes.Contains(mount.Name), $"{where}: {container.Name} mounts volume {mount.Name}, which the pod does not define.");
                }
            }

            if (spec.ServiceAccountName is { } account)
            {
                Assert.True(manifests.Has("ServiceAccount", account), $"{where}: service account {account} is not in the manifests.");
            }
            Assert.NotEqual("default", spec.ServiceAccountName);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void SelectorsMatchThePodsTheyTarget(string folder)
    {
        var manifests = Manifests.Of(folder);
        var templates = manifests.PodTemplates().ToList();

        foreach (var deployment in manifests.AllTyped<V1Deployment>())
        {
            var selector = deployment.Spec.Selector.MatchLabels;
            Assert.NotEmpty(selector);
            Assert.True(Matches(selector, deployment.Spec.Template.Metadata.Labels), $"{folder}: Deployment {deployment.Metadata.Name} does not select its own pods.");
        }

        foreach (var service in manifests.AllTyped<V1Service>())
        {
            var targets = templates.Where(t => Matches(service.Spec.Selector, t.Template.Metadata.Labels)).ToList();
            Assert.True(targets.Count > 0, $"{folder}: Service {service.Metadata.Name} selects no pods.");
            foreach (var port in service.Spec.Ports)
            {
                Assert.InRange(port.Port, 1, 65535);
                var target = port.TargetPort ?? (IntOrString)port.Port;
                Assert.All(targets, t => Assert.True(
                    t.Template.Spec.Containers.Any(c => ResolvePort(c.Ports ?? [], target) is not null),
                    $"{folder}: Service {service.Metadata.Name} targets port '{target.Value}', which {t.Owner} does not declare."));
            }
        }

        foreach (var budget in manifests.AllTyped<V1PodDisruptionBudget>())
        {
            Assert.True(templates.Any(t => Matches(budget.Spec.Selector.MatchLabels, t.Template.Metadata.Labels)), $"{folder}: PodDisruptionBudget {budget.Metadata.Name} selects no pods.");
        }

        foreach (var autoscaler in manifests.AllTyped<V2HorizontalPodAutoscaler>())
        {
            var target = autoscaler.Spec.ScaleTargetRef;
            Assert.True(manifests.Has(target.Kind, target.Name), $"{folder}: HorizontalPodAutoscaler {autoscaler.Metadata.Name} scales {target.Kind} {target.Name}, which is not in the manifests.");
            Assert.NotNull(autoscaler.Spec.MinReplicas);
            Assert.InRange(autoscaler.Spec.MinReplicas!.Value, 1, autoscaler.Spec.MaxReplicas);
        }

        foreach (var binding in manifests.AllTyped<V1RoleBinding>())
        {
            Assert.True(manifests.Has(binding.RoleRef.Kind, binding.RoleRef.Name), $"{folder}: RoleBinding {binding.Metadata.Name} refers to {binding.RoleRef.Kind} {binding.RoleRef.Name}, which is not in the manifests.");
            foreach (var subject in binding.Subjects)
            {
                Assert.Equal("ServiceAccount", subject.Kind);
                Assert.NotEqual("default", subject.Name);
                Assert.True(manifests.Has("ServiceAccount", subject.Name), $"{folder}: RoleBinding {binding.Metadata.Name} binds {subject.Name}, which is not in the manifests.");
                Assert.Equal("encore", subject.NamespaceProperty);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void NoServiceIsExposedOutsideTheCluster(string folder)
    {
        foreach (var service in Manifests.Of(folder).AllTyped<V1Service>())
        {
            Assert.True(service.Spec.Type is null or "ClusterIP", $"{folder}: Service {service.Metadata.Name} is of type {service.Spec.Type}.");
        }
        Assert.Empty(Manifests.Of(folder).OfKind("Ingress"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void NoSecretValueIsWrittenInTheManifests(string folder)
    {
        var manifests = Manifests.Of(folder);
        Assert.Empty(manifests.OfKind("Secret"));
        foreach (var (owner, template) in manifests.PodTemplates())
        {
            foreach (var variable in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []).SelectMany(c => c.Env ?? []))
            {
                if (SecretLike().IsMatch(variable.Name))
                {
                    Assert.True(variable.ValueFrom?.SecretKeyRef is not null, $"{folder}: {owner} sets {variable.Name} without a secretKeyRef.");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void StrimziResourcesAreComplete(string folder)
    {
        var manifests = Manifests.Of(folder);
        var kafka = Assert.Single(manifests.OfKind("Kafka"));
        var spec = kafka.Json["spec"].Obj($"{kafka} spec");
        Assert.Null(spec["zookeeper"]);
        var listeners = spec["kafka"]?["listeners"].Items().ToList() ?? [];
        Assert.NotEmpty(listeners);
        foreach (var listener in listeners)
        {
            Assert.Matches("^[a-z0-9]{1,11}$", listener["name"].Str());
            Assert.InRange(int.Parse(listener["port"].Str()!, System.Globalization.CultureInfo.InvariantCulture), 9092, 65535);
            Assert.Contains(listener["type"].Str(), new[] { "internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip" });
            Assert.Contains(listener["tls"].Str(), new[] { "true", "false" });
        }

        var pools = manifests.OfKind("KafkaNodePool").ToList();
        Assert.NotEmpty(pools);
        foreach (var pool in pools)
        {
            Assert.Equal(kafka.Name, pool.Json["metadata"]?["labels"]?["strimzi.io/cluster"].Str());
            Assert.True(int.Parse(pool.Json["spec"]?["replicas"].Str() ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1, $"{pool} has no replicas.");
            Assert.NotEmpty(pool.Json["spec"]?["roles"].Strings() ?? []);
            Assert.All(pool.Json["spec"]!["roles"].Strings(), role => Assert.Contains(role, new[] { "controller", "broker" }));
            Assert.NotNull(pool.Json["spec"]?["storage"]?["type"].Str());
        }
        var roles = pools.SelectMany(p => p.Json["spec"]!["roles"].Strings()).ToHashSet();
        Assert.Contains("controller", roles);
        Assert.Contains("broker", roles);

        var brokers = pools.Where(p => p.Json["spec"]!["roles"].Strings().Contains("broker"))
            .Sum(p => int.Parse(p.Json["spec"]!["replicas"].Str()!, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var topic in manifests.OfKind("KafkaTopic"))
        {
            Assert.Equal(kafka.Name, topic.Json["metadata"]?["labels"]?["strimzi.io/cluster"].Str());
            var replicas = int.Parse(topic.Json["spec"]?["replicas"].Str() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(replicas, 1, brokers);
            if (topic.Json["spec"]?["config"]?["min.insync.replicas"].Str() is { } minIsr)
            {
                Assert.InRange(int.Parse(minIsr, System.Globalization.CultureInfo.InvariantCulture), 1, replicas);
            }
        }
    }

    private static void CheckConfigMapKey(Manifests manifests, string? name, string? key, string where)
    {
        if (name is null)
        {
            return;
        }

        var configMap = manifests.OfKind("ConfigMap").SingleOrDefault(c => c.Name == name);
        Assert.True(configMap is not null, $"{where}: ConfigMap {name} is not in the manifests.");
        if (key is not null)
        {
            Assert.True(configMap!.Json["data"]?[key] is not null, $"{where}: ConfigMap {name} has no key {key}.");
        }
    }

    private static void CheckSecret(string? name, string where)
    {
        if (name is not null)
        {
            Assert.True(ExternalSecrets.Contains(name), $"{where}: Secret {name} is not one docs/deploy.md tells how to create.");
        }
    }

    internal static V1ContainerPort? ResolvePort(IEnumerable<V1ContainerPort> ports, IntOrString port) =>
        int.TryParse(port.Value, out var number)
            ? ports.FirstOrDefault(p => p.ContainerPort == number)
            : ports.FirstOrDefault(p => p.Name == port.Value);

    private static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$")]
    private static partial Regex PortName();

    [GeneratedRegex("(?i)password|secret|connectionstring|token|apikey|^api__(admin)?keys__")]
    private static partial Regex SecretLike();
}
