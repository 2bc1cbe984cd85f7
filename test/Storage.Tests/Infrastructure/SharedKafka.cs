using Confluent.Kafka;
using Encore.Streams.Kafka.DevCluster;

namespace Encore.Storage.Tests.Infrastructure;

/// <summary>
/// One embedded dev Kafka cluster for this test process, which silo processes reach over TCP as they
/// would a real Kafka: silos sharing PostgreSQL must share one Kafka. Each test cluster gets its topics.
/// </summary>
internal static class SharedKafka
{
    private static readonly Lazy<DevKafkaCluster> Cluster = new(() => DevKafkaCluster.Start(brokers: 1));

    public static string BootstrapServers => Cluster.Value.BootstrapServers;

    public static DevKafkaCluster Kafka => Cluster.Value;

    /// <summary>The topic of <paramref name="clusterId"/>, created with its dead-letter topic on first use.</summary>
    public static string TopicFor(string clusterId, int partitions)
    {
        var topic = $"plays-{clusterId}";
        foreach (var name in new[] { topic, topic + ".dlq" })
        {
            try
            {
                Cluster.Value.CreateTopic(name, partitions);
            }
            catch (KafkaException e) when (e.Error.Code == Confluent.Kafka.ErrorCode.TopicAlreadyExists)
            {
            }
        }

        return topic;
    }
}
