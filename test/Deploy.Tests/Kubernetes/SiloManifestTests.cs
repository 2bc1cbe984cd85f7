using System.Globalization;
using Encore.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace Encore.Deploy.Tests.Kubernetes;

/// <summary>
/// The silo Deployment sets exactly what the silo reads (Silo/appsettings.json keys, Orleans'
/// Kubernetes hosting variables) and follows the Orleans-on-Kubernetes shape: orleans/* labels,
/// downward-API identity, a drain that fits in the grace period, probes, limits, non-root.
/// </summary>
public sealed class SiloManifestTests
{
    public static TheoryData<string> Kustomizations => ["base", "overlays/gke", "overlays/local"];

    /// <summary>Read by Microsoft.Orleans.Hosting.Kubernetes (KubernetesHostingOptions).</summary>
    private static readonly string[] OrleansKubernetesVariables =
        ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];

    /// <summary>
    /// Read by the .NET generic host itself: HostOptions.ShutdownTimeout in seconds. (An
    /// HostOptions__ShutdownTimeout variable is not read unless the app binds that section.)
    /// </summary>
    private const string ShutdownTimeoutVariable = "DOTNET_SHUTDOWNTIMEOUTSECONDS";

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void EveryVariableSetOnTheSiloIsOneItReads(string folder)
    {
        var names = SiloVariables(folder).Keys;
        var unread = names.Where(n => !Repo.SiloReads(n) && !OrleansKubernetesVariables.Contains(n) && n != ShutdownTimeoutVariable).ToList();
        Assert.True(unread.Count == 0, $"{folder}: the silo container sets {string.Join(", ", unread)}, which the silo never reads.");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheSiloGetsItsIdentityKafkaAndDatabase(string folder)
    {
        var variables = SiloVariables(folder);
        foreach (var required in OrleansKubernetesVariables.Append("Kafka__BootstrapServers").Append("ConnectionStrings__Postgres").Append(ShutdownTimeoutVariable))
        {
            Assert.True(variables.ContainsKey(required), $"{folder}: the silo container does not set {required}.");
        }

        var env = SiloContainer(folder).Env.ToDictionary(e => e.Name);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom?.FieldRef?.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom?.FieldRef?.FieldPath);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom?.FieldRef?.FieldPath);
        Assert.Equal("metadata.labels['orleans/serviceId']", env["ORLEANS_SERVICE_ID"].ValueFrom?.FieldRef?.FieldPath);
        Assert.Equal("metadata.labels['orleans/clusterId']", env["ORLEANS_CLUSTER_ID"].ValueFrom?.FieldRef?.FieldPath);

        var connection = env["ConnectionStrings__Postgres"].ValueFrom?.SecretKeyRef;
        Assert.NotNull(connection);
        Assert.Equal("encore-postgres", connection.Name);
        Assert.Equal("connection-string", connection.Key);

        Assert.Equal("encore-kafka-bootstrap:9092", variables["Kafka__BootstrapServers"]);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheApiKeysComeFromTheEncoreApiKeysSecret(string folder)
    {
        // Without a key the silo would listen on localhost only, out of reach of its Services and probes.
        var env = SiloContainer(folder).Env.ToDictionary(e => e.Name);
        foreach (var (variable, key) in new[] { ("Api__Keys__0", "api-key"), ("Api__AdminKeys__0", "admin-api-key") })
        {
            Assert.True(env.ContainsKey(variable), $"{folder}: the silo container does not set {variable}.");
            var reference = env[variable].ValueFrom?.SecretKeyRef;
            Assert.True(reference is not null, $"{folder}: {variable} does not come from a Secret.");
            Assert.Equal("encore-api-keys", reference.Name);
            Assert.Equal(key, reference.Key);
            Assert.NotEqual(true, reference.Optional);
            Assert.True(Repo.SiloReads(variable), $"{variable} is not a setting of Silo/appsettings.json.");
        }

        // No key, nor a way around keys, from anywhere else.
        var variables = SiloVariables(folder);
        Assert.DoesNotContain("Api__AllowAnonymous", variables.Keys);
        Assert.All(variables.Keys.Where(n => n.StartsWith("Api__Keys", StringComparison.Ordinal) || n.StartsWith("Api__AdminKeys", StringComparison.Ordinal)),
            n => Assert.NotNull(env.GetValueOrDefault(n)?.ValueFrom?.SecretKeyRef));

        // docs/deploy.md says how to create the Secret with both keys.
        var deploy = Repo.Read("docs/deploy.md");
        Assert.Contains("kubectl -n encore create secret generic encore-api-keys", deploy, StringComparison.Ordinal);
        Assert.Contains("--from-literal=api-key=", deploy, StringComparison.Ordinal);
        Assert.Contains("--from-literal=admin-api-key=", deploy, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void OrleansIdsComeFromThePodLabels(string folder)
    {
        var labels = Silo(folder).Spec.Template.Metadata.Labels;
        Assert.Equal("encore", labels["orleans/serviceId"]);
        Assert.False(string.IsNullOrEmpty(labels["orleans/clusterId"]));

        // Any id the app's own configuration gets must agree with the labels Orleans reads.
        foreach (var variable in SiloContainer(folder).Env.Where(e => e.Name is "Orleans__ServiceId" or "Orleans__ClusterId"))
        {
            var label = variable.Name == "Orleans__ServiceId" ? "orleans/serviceId" : "orleans/clusterId";
            Assert.Equal($"metadata.labels['{label}']", variable.ValueFrom?.FieldRef?.FieldPath);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void KafkaSettingsMatchTheStrimziResources(string folder)
    {
        var manifests = Manifests.Of(folder);
        var variables = SiloVariables(folder);

        var kafka = Assert.Single(manifests.OfKind("Kafka"));
        var plain = kafka.Json["spec"]!["kafka"]!["listeners"].Items().Single(l => l["tls"].Str() == "false" && l["type"].Str() == "internal");
        Assert.Equal($"{kafka.Name}-kafka-bootstrap:{plain["port"].Str()}", variables["Kafka__BootstrapServers"]);

        var topic = variables.GetValueOrDefault("Kafka__Topic") ?? Repo.SiloSettings["Kafka__Topic"];
        var deadLetters = variables.GetValueOrDefault("Kafka__DeadLetterTopic") ?? Repo.SiloSettings["Kafka__DeadLetterTopic"];
        var partitions = variables.GetValueOrDefault("Kafka__Partitions") ?? Repo.SiloSettings["Kafka__Partitions"];
        Assert.Equal("music.plays", topic);
        Assert.Equal("music.plays.dlq", deadLetters);

        var plays = manifests.Single("KafkaTopic", topic!);
        Assert.Equal(partitions, plays.Json["spec"]!["partitions"].Str());
        Assert.True(int.Parse(partitions!, CultureInfo.InvariantCulture) >= 8, "music.plays needs 8 or more partitions.");
        Assert.True(manifests.Has("KafkaTopic", deadLetters!), $"{folder} has no KafkaTopic {deadLetters}.");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void ContainerPortsAreTheSiloDefaultsAndTheImagePorts(string folder)
    {
        var ports = SiloContainer(folder).Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        var http = new Uri(Repo.SiloSettings["Urls"]!).Port;
        Assert.Equal(http, ports["http"]);
        Assert.Equal(int.Parse(Repo.SiloSettings["Orleans__SiloPort"]!, CultureInfo.InvariantCulture), ports["silo"]);
        Assert.Equal(int.Parse(Repo.SiloSettings["Orleans__GatewayPort"]!, CultureInfo.InvariantCulture), ports["gateway"]);
        Assert.Equal([8080, 11111, 30000], ports.Values.Order());
        Assert.Equal(ports.Values.ToHashSet(), Dockerfile.Load("Silo/Dockerfile").ExposedPorts());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void ProbesUseTheHealthEndpointsOnTheHttpPort(string folder)
    {
        var container = SiloContainer(folder);
        Assert.Equal("/health/ready", container.ReadinessProbe?.HttpGet?.Path);
        Assert.Equal("/health/live", container.LivenessProbe?.HttpGet?.Path);
        foreach (var probe in new[] { container.ReadinessProbe!, container.LivenessProbe!, container.StartupProbe }.Where(p => p is not null))
        {
            Assert.Equal(8080, ManifestSchemaTests.ResolvePort(container.Ports, probe!.HttpGet.Port)?.ContainerPort);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void ShutdownDrainsWithinTheGracePeriod(string folder)
    {
        var deployment = Silo(folder);
        var shutdown = int.Parse(SiloVariables(folder)[ShutdownTimeoutVariable]!, CultureInfo.InvariantCulture);
        Assert.Equal(120, shutdown);
        Assert.Equal(180, deployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > shutdown);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void RollingUpdatesNeverTakeASiloAwayFirst(string folder)
    {
        var deployment = Silo(folder);
        Assert.Equal("RollingUpdate", deployment.Spec.Strategy.Type);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.NotEqual("0", deployment.Spec.Strategy.RollingUpdate.MaxSurge?.Value);

        // The autoscaler owns the replica count; a count in the Deployment would reset it on every apply.
        Assert.Null(deployment.Spec.Replicas);
        var manifests = Manifests.Of(folder);
        var autoscaler = manifests.Typed<V2HorizontalPodAutoscaler>("encore-silo");
        Assert.Equal("Deployment", autoscaler.Spec.ScaleTargetRef.Kind);
        Assert.Equal("encore-silo", autoscaler.Spec.ScaleTargetRef.Name);
        var cpu = Assert.Single(autoscaler.Spec.Metrics);
        Assert.Equal("cpu", cpu.Resource?.Name);
        Assert.Equal("Utilization", cpu.Resource?.Target.Type);
        Assert.True(autoscaler.Spec.MinReplicas >= 2, "One silo is no cluster: keep two or more.");

        var budget = manifests.Typed<V1PodDisruptionBudget>("encore-silo");
        Assert.Equal(deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.True(budget.Spec.MaxUnavailable is not null || budget.Spec.MinAvailable is not null);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheSiloRunsLockedDownWithResources(string folder)
    {
        var pod = Silo(folder).Spec.Template.Spec;
        var container = SiloContainer(folder);
        Assert.True(pod.SecurityContext?.RunAsNonRoot == true || container.SecurityContext?.RunAsNonRoot == true);
        Assert.True(container.SecurityContext?.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext?.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext?.Capabilities?.Drop);
        Assert.Null(container.SecurityContext?.Privileged);

        var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);

        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.True(container.Resources?.Requests?.ContainsKey(resource), $"{folder}: no {resource} request.");
            Assert.True(container.Resources?.Limits?.ContainsKey(resource), $"{folder}: no {resource} limit.");
        }
        Assert.NotEqual("Always", container.ImagePullPolicy);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheSiloHasItsOwnAccountAllowedWhatOrleansKubernetesHostingDoes(string folder)
    {
        var manifests = Manifests.Of(folder);
        var account = Silo(folder).Spec.Template.Spec.ServiceAccountName;
        Assert.Equal("encore-silo", account);
        Assert.NotEqual(false, manifests.Typed<V1ServiceAccount>(account).AutomountServiceAccountToken);

        var binding = Assert.Single(manifests.AllTyped<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account));
        Assert.Equal("Role", binding.RoleRef.Kind);
        var rule = Assert.Single(manifests.Typed<V1Role>(binding.RoleRef.Name).Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        // get/patch its own pod's labels, list/watch the cluster's pods, delete pods of dead silos.
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule.Verbs.Order());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheApiAndTheDashboardAreClusterInternalServices(string folder)
    {
        var manifests = Manifests.Of(folder);
        var api = manifests.Typed<V1Service>("encore-api");
        Assert.Equal("ClusterIP", api.Spec.Type);
        var port = Assert.Single(api.Spec.Ports);
        Assert.Equal(80, port.Port);
        Assert.Equal(8080, ManifestSchemaTests.ResolvePort(SiloContainer(folder).Ports, port.TargetPort)?.ContainerPort);

        var dashboard = manifests.Typed<V1Service>("encore-dashboard");
        Assert.Equal("ClusterIP", dashboard.Spec.Type);
        Assert.Equal(8080, ManifestSchemaTests.ResolvePort(SiloContainer(folder).Ports, Assert.Single(dashboard.Spec.Ports).TargetPort)?.ContainerPort);
    }

    private static V1Deployment Silo(string folder) => Manifests.Of(folder).Typed<V1Deployment>("encore-silo");

    private static V1Container SiloContainer(string folder) => Assert.Single(Silo(folder).Spec.Template.Spec.Containers, c => c.Name == "silo");

    /// <summary>
    /// Every variable the silo container gets, from env and from ConfigMaps through envFrom,
    /// with its literal value (null when it comes from a reference).
    /// </summary>
    private static Dictionary<string, string?> SiloVariables(string folder)
    {
        var manifests = Manifests.Of(folder);
        var container = SiloContainer(folder);
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.Null(source.Prefix);
            Assert.Null(source.SecretRef);
            var configMap = manifests.Typed<V1ConfigMap>(source.ConfigMapRef.Name);
            foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
            {
                variables[key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            variables[variable.Name] = variable.Value;
        }

        return variables;
    }
}
