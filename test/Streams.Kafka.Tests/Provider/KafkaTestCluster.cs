using System.Globalization;
using Confluent.Kafka;
using Encore.Streams.Kafka.DevCluster;
using Microsoft.Extensions.Configuration;
using Orleans.Streams;
using Orleans.TestingHost;

using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Encore.Streams.Kafka.Tests.Provider;

/// <summary>Starts Orleans test clusters whose silos read a per-cluster topic of the dev Kafka cluster.</summary>
internal static class KafkaTestCluster
{
    public static string NewClusterId() => $"t{Guid.NewGuid():N}"[..12];

    public static string TopicOf(string clusterId) => $"records-{clusterId}";

    public static string DeadLetterTopicOf(string clusterId) => $"records-{clusterId}.dlq";

    public static async Task<TestCluster> StartAsync(
        DevKafkaCluster kafka, string clusterId, int silos = 2, IDictionary<string, string>? kafkaSettings = null)
    {
        // The dev cluster does not serve CreateTopics, so topics are made through its own API.
        var partitions = int.Parse((kafkaSettings is not null && kafkaSettings.TryGetValue("Partitions", out var p) ? p : null) ?? "4", CultureInfo.InvariantCulture);
        foreach (var topic in new[] { TopicOf(clusterId), DeadLetterTopicOf(clusterId) })
        {
            try
            {
                kafka.CreateTopic(topic, partitions);
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.TopicAlreadyExists)
            {
            }
        }

        var builder = new TestClusterBuilder((short)silos);
        builder.Options.ClusterId = clusterId;
        builder.Options.ServiceId = "kafka-tests";
        builder.Properties["Kafka:BootstrapServers"] = kafka.BootstrapServers;
        builder.Properties["Kafka:Topic"] = "records-{ClusterId}";
        builder.Properties["Kafka:DeadLetterTopic"] = "records-{ClusterId}.dlq";
        builder.Properties["Kafka:Partitions"] = "4";
        builder.Properties["Kafka:StreamNamespace"] = TestStreams.Namespace;
        builder.Properties["Kafka:CheckpointInterval"] = "00:00:00.200";
        foreach (var (key, value) in kafkaSettings ?? new Dictionary<string, string>())
        {
            builder.Properties[$"Kafka:{key}"] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Produces "key|seq" messages keyed by key with Kafka's murmur2 partitioner; returns where each landed.</summary>
    public static async Task<List<DeliveryResult<string, string>>> ProduceAsync(
        string bootstrapServers, string topic, IEnumerable<(string Key, string Value)> messages)
    {
        var config = TestKafka.ProducerConfig(bootstrapServers);
        config.Partitioner = Partitioner.Murmur2Random;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var results = await Task.WhenAll(messages.Select(m =>
            producer.ProduceAsync(topic, new Message<string, string> { Key = m.Key, Value = m.Value })));
        return [.. results];
    }

    public static IEnumerable<(string Key, string Value)> Records(int users, int perUser, int firstSeq = 0) =>
        from seq in Enumerable.Range(firstSeq, perUser)
        from user in Enumerable.Range(1, users)
        select ($"user-{user}", $"user-{user}|{seq}");

    /// <summary>The test cluster's client publishes through the provider too.</summary>
    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.AddKafkaStreams(TestStreams.Provider, c =>
            {
                c.ConfigureKafka(ob => ob.Configure(options => configuration.GetSection("Kafka").Bind(options)));
                c.UseDataAdapter<TextDataAdapter>();
                c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var kafka = silo.Configuration.GetSection("Kafka");
            silo.AddKafkaStreams(TestStreams.Provider, c =>
            {
                c.ConfigureKafka(ob => ob.Configure(options => kafka.Bind(options)));
                c.UseDataAdapter<TextDataAdapter>();
                c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
                c.ConfigurePullingAgent(ob => ob.Configure(o =>
                {
                    o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20);
                    o.BatchContainerBatchSize = 200;
                }));
                if (kafka["CacheSize"] is { } cacheSize)
                {
                    c.ConfigureCache(int.Parse(cacheSize, CultureInfo.InvariantCulture));
                }
            });
        }
    }
}
