using System.Text.RegularExpressions;
using Encore.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace Encore.Deploy.Tests.Kubernetes;

/// <summary>What differs between the base, GKE and a laptop cluster, and the workloads beside the silo.</summary>
public sealed partial class OverlayTests
{
    public static TheoryData<string> Kustomizations => ["base", "overlays/gke", "overlays/local"];

    [Fact]
    public void TheBaseNamesItsImagesOnlySoOverlaysCanPinThem()
    {
        var images = Manifests.Of("base").PodTemplates()
            .SelectMany(t => t.Template.Spec.Containers.Concat(t.Template.Spec.InitContainers ?? []))
            .Select(c => c.Image)
            .ToHashSet();
        Assert.Equal(["encore-client", "encore-silo"], images.Order());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void ThirdPartyImagesArePinnedToAVersion(string folder)
    {
        foreach (var (_, template) in Manifests.Of(folder).PodTemplates())
        {
            foreach (var container in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                if (container.Image.StartsWith("encore-", StringComparison.Ordinal))
                {
                    continue;
                }
                Assert.Matches(VersionedImage(), container.Image);
                Assert.DoesNotContain(":latest", container.Image, StringComparison.Ordinal);
                Assert.NotEqual("Always", container.ImagePullPolicy);
            }
        }
    }

    [Fact]
    public void TheDeployWorkflowsImageEditPinsBothImagesByDigest()
    {
        // What `kustomize edit set image encore-silo=REGISTRY/encore-silo@DIGEST` writes, on a copy.
        var copy = Directory.CreateTempSubdirectory("encore-k8s-");
        try
        {
            CopyDirectory(Repo.PathOf("k8s"), copy.FullName);
            const string registry = "us-central1-docker.pkg.dev/p/encore";
            var silo = "sha256:" + new string('a', 64);
            var client = "sha256:" + new string('b', 64);
            File.AppendAllText(Path.Combine(copy.FullName, "overlays", "gke", "kustomization.yaml"), $"""

                images:
                  - name: encore-silo
                    newName: {registry}/encore-silo
                    digest: {silo}
                  - name: encore-client
                    newName: {registry}/encore-client
                    digest: {client}

                """);

            var manifests = Manifests.Build(Path.Combine(copy.FullName, "overlays", "gke"), "gke (pinned)");
            var images = manifests.PodTemplates().SelectMany(t => t.Template.Spec.Containers).Select(c => c.Image).ToHashSet();
            Assert.Contains($"{registry}/encore-silo@{silo}", images);
            Assert.Contains($"{registry}/encore-client@{client}", images);
            Assert.DoesNotContain(images, i => i.StartsWith("encore-", StringComparison.Ordinal));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public void OnGkeTheSiloAndTheMigrationReachCloudSqlThroughANativeSidecarProxy()
    {
        var manifests = Manifests.Of("overlays/gke");
        var templates = new Dictionary<string, V1PodTemplateSpec>
        {
            ["encore-silo"] = manifests.Typed<V1Deployment>("encore-silo").Spec.Template,
            ["encore-db-init"] = manifests.Typed<V1Job>("encore-db-init").Spec.Template,
        };

        foreach (var (name, template) in templates)
        {
            var proxy = Assert.Single(template.Spec.InitContainers ?? [], c => c.Name == "cloud-sql-proxy");
            Assert.Equal("Always", proxy.RestartPolicy);
            Assert.StartsWith("gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.", proxy.Image, StringComparison.Ordinal);
            Assert.Equal("/startup", proxy.StartupProbe?.HttpGet?.Path);
            Assert.True(proxy.SecurityContext?.RunAsNonRoot);
            Assert.False(proxy.SecurityContext?.AllowPrivilegeEscalation);
            Assert.NotNull(proxy.Resources?.Requests);

            var env = proxy.Env.ToDictionary(e => e.Name);
            Assert.Equal("5432", env["CSQL_PROXY_PORT"].Value);
            var instance = env["CSQL_PROXY_INSTANCE_CONNECTION_NAME"].ValueFrom?.ConfigMapKeyRef;
            Assert.NotNull(instance);
            var settings = manifests.Typed<V1ConfigMap>(instance.Name);
            Assert.Matches("^[a-z][-a-z0-9.:]*:[a-z0-9-]+:[a-z][-a-z0-9]*$", settings.Data[instance.Key]);

            var account = template.Spec.ServiceAccountName;
            Assert.False(string.IsNullOrEmpty(account), $"{name} runs as the default service account.");
            var annotation = manifests.Typed<V1ServiceAccount>(account).Metadata.Annotations?["iam.gke.io/gcp-service-account"];
            Assert.Matches("^[a-z][-a-z0-9]*@[a-z][-a-z0-9]*\\.iam\\.gserviceaccount\\.com$", annotation);
        }

        Assert.False(manifests.Has("Deployment", "postgres"));
    }

    [Fact]
    public void TheGkeSettingsFileHasTheKeysTheDeployWorkflowWrites()
    {
        var keys = Repo.Read("k8s/overlays/gke/gcp.env").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)])
            .Order();
        Assert.Equal(["GCP_SERVICE_ACCOUNT", "INSTANCE_CONNECTION_NAME"], keys);

        var deploy = Repo.Read(".github/workflows/deploy.yml");
        Assert.Contains("INSTANCE_CONNECTION_NAME=%s\\nGCP_SERVICE_ACCOUNT=%s\\n", deploy, StringComparison.Ordinal);
    }

    [Fact]
    public void LocallyPostgresRunsInTheClusterWithoutAProxyAndWithFewerReplicas()
    {
        var local = Manifests.Of("overlays/local");
        var gke = Manifests.Of("overlays/gke");

        Assert.All(local.PodTemplates(), t => Assert.DoesNotContain(t.Template.Spec.InitContainers ?? [], c => c.Name == "cloud-sql-proxy"));
        var postgres = local.Typed<V1Deployment>("postgres");
        var container = Assert.Single(postgres.Spec.Template.Spec.Containers);
        Assert.Equal("postgres:15", container.Image);
        Assert.NotNull(container.Env.Single(e => e.Name == "POSTGRES_PASSWORD").ValueFrom?.SecretKeyRef);
        Assert.Equal(5432, Assert.Single(local.Typed<V1Service>("postgres").Spec.Ports).Port);

        Assert.True(local.Typed<V2HorizontalPodAutoscaler>("encore-silo").Spec.MinReplicas < gke.Typed<V2HorizontalPodAutoscaler>("encore-silo").Spec.MinReplicas);
        Assert.Equal("1", local.Single("KafkaNodePool", "dual-role").Json["spec"]!["replicas"].Str());
        Assert.All(local.PodTemplates().SelectMany(t => t.Template.Spec.Containers).Where(c => c.Image.StartsWith("encore-", StringComparison.Ordinal)),
            c => Assert.EndsWith(":dev", c.Image, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/gke")]
    public void KafkaIsThreeKraftNodesWithReplicatedTopics(string folder)
    {
        var manifests = Manifests.Of(folder);
        var kafka = manifests.Single("Kafka", "encore");
        Assert.Equal("kafka.strimzi.io/v1", kafka.ApiVersion);
        var pool = Assert.Single(manifests.OfKind("KafkaNodePool"));
        Assert.Equal("3", pool.Json["spec"]!["replicas"].Str());
        Assert.Equal(["broker", "controller"], pool.Json["spec"]!["roles"].Strings().Order());

        var plays = manifests.Single("KafkaTopic", "music.plays");
        Assert.True(int.Parse(plays.Json["spec"]!["partitions"].Str()!, System.Globalization.CultureInfo.InvariantCulture) >= 8);
        Assert.Equal("3", plays.Json["spec"]!["replicas"].Str());
        Assert.Equal("3", manifests.Single("KafkaTopic", "music.plays.dlq").Json["spec"]!["replicas"].Str());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheMigrationJobRunsDbInitWithTheSecretConnectionString(string folder)
    {
        var job = Manifests.Of(folder).Typed<V1Job>("encore-db-init");
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.StartsWith("encore-client", container.Image, StringComparison.Ordinal);
        Assert.Equal(4, container.Args.Count);
        Assert.Equal(["db", "init", "--connection"], container.Args.Take(3));
        var reference = Regex.Match(container.Args[3], "^\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)$");
        Assert.True(reference.Success, "The connection string is passed by variable reference, never written in the Job.");
        var variable = Assert.Single(container.Env, e => e.Name == reference.Groups[1].Value);
        Assert.Equal("encore-postgres", variable.ValueFrom?.SecretKeyRef?.Name);
        Assert.Contains(job.Spec.Template.Spec.RestartPolicy, new[] { "Never", "OnFailure" });
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void TheGeneratorIsDeployedScaledToZero(string folder)
    {
        var manifests = Manifests.Of(folder);
        var generator = manifests.Typed<V1Deployment>("encore-generator");
        Assert.Equal(0, generator.Spec.Replicas);
        var container = Assert.Single(generator.Spec.Template.Spec.Containers);
        Assert.StartsWith("encore-client", container.Image, StringComparison.Ordinal);
        Assert.Equal("generate", container.Args[0]);
        var bootstrap = container.Args[container.Args.IndexOf("--bootstrap") + 1];
        Assert.Equal("$(KAFKA_BOOTSTRAP)", bootstrap);
        var source = container.Env.Single(e => e.Name == "KAFKA_BOOTSTRAP").ValueFrom.ConfigMapKeyRef;
        Assert.Equal("encore-kafka-bootstrap:9092", manifests.Typed<V1ConfigMap>(source.Name).Data[source.Key]);
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, directory)));
        }
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }

    [GeneratedRegex("^[a-z0-9.-]+(/[a-z0-9._-]+)*:[0-9][A-Za-z0-9._-]*$")]
    private static partial Regex VersionedImage();
}
