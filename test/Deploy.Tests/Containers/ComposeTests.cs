using System.Text.Json.Nodes;
using Encore.Deploy.Tests.Infrastructure;

namespace Encore.Deploy.Tests.Containers;

/// <summary>docker-compose.yml: the services, their start order and health, and what the silos are told.</summary>
public sealed class ComposeTests
{
    private static readonly JsonObject Services = Yaml.Load(Repo.Read("docker-compose.yml"))["services"].Obj("services");

    [Fact]
    public void TheStackHasKafkaPostgresMigrationTwoSilosAndTheGenerator()
    {
        foreach (var name in new[] { "kafka", "postgres", "db-init", "silo1", "silo2", "generator" })
        {
            Assert.True(Services.ContainsKey(name), $"docker-compose.yml has no service {name}.");
        }
        Assert.DoesNotContain(Services, s => s.Key.Contains("zookeeper", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void KafkaIsTheApacheImageInKraftMode()
    {
        var kafka = Service("kafka");
        Assert.StartsWith("apache/kafka:", kafka["image"].Str(), StringComparison.Ordinal);
        Assert.DoesNotContain(":latest", kafka["image"].Str(), StringComparison.Ordinal);
        var environment = kafka["environment"].Obj("kafka environment");
        Assert.Equal(["broker", "controller"], environment["KAFKA_PROCESS_ROLES"].Str()!.Split(',').Order());
        Assert.Contains("kafka:9092", environment["KAFKA_ADVERTISED_LISTENERS"].Str(), StringComparison.Ordinal);
        Assert.NotNull(kafka["healthcheck"]?["test"]);
    }

    [Fact]
    public void PostgresIsVersion15WithAHealthCheck()
    {
        var postgres = Service("postgres");
        Assert.Equal("postgres:15", postgres["image"].Str());
        Assert.Contains("pg_isready", HealthCheck(postgres), StringComparison.Ordinal);
    }

    [Fact]
    public void ServicesStartOnlyOnceWhatTheyNeedIsHealthyOrDone()
    {
        Assert.Equal("service_healthy", Condition("db-init", "postgres"));
        foreach (var silo in new[] { "silo1", "silo2" })
        {
            Assert.Equal("service_healthy", Condition(silo, "kafka"));
            Assert.Equal("service_completed_successfully", Condition(silo, "db-init"));
        }
        Assert.Equal("service_healthy", Condition("generator", "silo1"));

        foreach (var (name, service) in Services)
        {
            foreach (var (dependency, condition) in service?["depends_on"] as JsonObject ?? [])
            {
                Assert.True(Services.ContainsKey(dependency), $"{name} depends on {dependency}, which is not a service.");
                Assert.Contains(condition?["condition"].Str(), new[] { "service_healthy", "service_completed_successfully", "service_started" });
                if (condition?["condition"].Str() == "service_healthy")
                {
                    Assert.NotNull(Services[dependency]?["healthcheck"]);
                }
            }
        }
    }

    [Fact]
    public void TwoSilosFormOneClusterOnTheSamePortsWithDifferentHostnames()
    {
        var silos = new[] { Service("silo1"), Service("silo2") };
        Assert.NotEqual(silos[0]["hostname"].Str(), silos[1]["hostname"].Str());
        Assert.All(silos, s => Assert.Contains("/health/ready", HealthCheck(s), StringComparison.Ordinal));
        Assert.All(silos, s => Assert.Equal("Silo/Dockerfile", s["build"]?["dockerfile"].Str()));

        var environments = silos.Select(s => s["environment"].Obj("silo environment").ToDictionary(e => e.Key, e => e.Value.Str())).ToList();
        Assert.Equal(environments[0]["Orleans__ClusterId"], environments[1]["Orleans__ClusterId"]);
        foreach (var environment in environments)
        {
            Assert.Equal("kafka:9092", environment["Kafka__BootstrapServers"]);
            Assert.StartsWith("Host=postgres;", environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            var unread = environment.Keys.Where(k => !Repo.SiloReads(k)).ToList();
            Assert.True(unread.Count == 0, $"A silo is given {string.Join(", ", unread)}, which the silo never reads.");
        }

        Assert.Equal(["8080:8080"], Service("silo1")["ports"].Strings());
        Assert.Null(Service("silo2")["ports"]);
    }

    [Fact]
    public void TheSilosTakeTheirApiKeysFromVariablesWithoutADefault()
    {
        foreach (var silo in new[] { "silo1", "silo2" })
        {
            var environment = Service(silo)["environment"].Obj($"{silo} environment");
            foreach (var (setting, variable) in new[] { ("Api__Keys__0", "ENCORE_API_KEY"), ("Api__AdminKeys__0", "ENCORE_ADMIN_KEY") })
            {
                // ${VAR:?message}: compose refuses to start without the variable, so no silo runs with a known key.
                var value = environment[setting].Str();
                Assert.True(value is not null, $"{silo} does not set {setting}.");
                Assert.StartsWith($"${{{variable}:?", value, StringComparison.Ordinal);
                Assert.EndsWith("}", value, StringComparison.Ordinal);
                Assert.Equal(1, value.Count(c => c == '}'));
            }

            Assert.False(environment.ContainsKey("Api__AllowAnonymous"), $"{silo} runs without keys.");
        }

        Assert.Contains(".env", Repo.Read(".gitignore").Split('\n').Select(l => l.Trim()));
    }

    [Fact]
    public void TheClientServicesRunDbInitAndGenerate()
    {
        Assert.Equal(["db", "init", "--connection"], Service("db-init")["command"].Strings().Take(3));
        Assert.Equal(
            Service("silo1")["environment"]?["ConnectionStrings__Postgres"].Str(),
            Service("db-init")["command"].Strings().ElementAt(3));
        Assert.Equal(
            ["generate", "--bootstrap", "kafka:9092", "--rate", "200", "--duration", "1h"],
            Service("generator")["command"].Strings());
        Assert.All(new[] { "db-init", "generator" }, s => Assert.Equal("Client/Dockerfile", Service(s)["build"]?["dockerfile"].Str()));
    }

    [Fact]
    public void TheTopicsAreCreatedWithThePartitionCountTheSiloExpects()
    {
        var script = string.Join(' ', Service("kafka-init")["command"].Strings());
        foreach (var topic in new[] { Repo.SiloSettings["Kafka__Topic"], Repo.SiloSettings["Kafka__DeadLetterTopic"] })
        {
            Assert.Contains($"--topic {topic} --partitions {Repo.SiloSettings["Kafka__Partitions"]} ", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryBuildUsesTheRepositoryRootAndAnExistingDockerfile()
    {
        foreach (var (name, service) in Services)
        {
            if (service?["build"] is not { } build)
            {
                continue;
            }
            Assert.Equal(".", build["context"].Str());
            Assert.True(File.Exists(Repo.PathOf(build["dockerfile"].Str()!)), $"{name} builds from {build["dockerfile"].Str()}, which does not exist.");
        }
    }

    private static JsonObject Service(string name) => Services[name].Obj(name);

    private static string? Condition(string service, string dependency) =>
        Service(service)["depends_on"]?[dependency]?["condition"].Str();

    private static string HealthCheck(JsonObject service) =>
        string.Join(' ', service["healthcheck"]?["test"].Strings() ?? []);
}
