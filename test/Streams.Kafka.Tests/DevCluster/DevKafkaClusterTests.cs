using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;
using Encore.Streams.Kafka.DevCluster;

namespace Encore.Streams.Kafka.Tests.DevCluster;

// A dev cluster starts in milliseconds, so each test gets its own and no state leaks between them.
public sealed class DevKafkaClusterTests
{
    private const short ProduceApiKey = 0;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void GivesOneBootstrapAddressPerBrokerOnLoopback()
    {
        using var cluster = DevKafkaCluster.Start(brokers: 3);

        var addresses = cluster.BootstrapServers.Split(',');

        Assert.Equal(3, cluster.BrokerCount);
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, address => Assert.StartsWith("127.0.0.1:", address));
        Assert.Equal(3, addresses.Distinct().Count());
    }

    [Fact]
    public void RunsOnTheSameLibrdkafkaAsConfluentKafka()
    {
        using var cluster = DevKafkaCluster.Start(brokers: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        if (OperatingSystem.IsLinux())
        {
            // One mapped librdkafka file: the dev cluster did not bring a second copy into the process.
            var mapped = File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length == 6 && fields[5].Contains("librdkafka", StringComparison.Ordinal))
                .Select(fields => fields[5].Trim())
                .Distinct();
            Assert.Equal([cluster.NativeLibraryPath], mapped);
        }
        else
        {
            Assert.Equal("librdkafka", cluster.NativeLibraryPath);
        }
    }

    [Fact]
    public void CreatesTopicsWithTheRequestedPartitionsAndRefusesDuplicates()
    {
        using var cluster = DevKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("plays", partitions: 5, replicationFactor: 3);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var topic = admin.GetMetadata("plays", Deadline).Topics.Single();
        var duplicate = Assert.Throws<KafkaException>(() => cluster.CreateTopic("plays", partitions: 5));

        Assert.Equal(5, topic.Partitions.Count);
        Assert.All(topic.Partitions, partition => Assert.Equal(3, partition.Replicas.Length));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Error.Code);
        Assert.Contains("'plays'", duplicate.Message);
    }

    [Fact]
    public void DisposesOnceAndRefusesUseAfterwards()
    {
        var cluster = DevKafkaCluster.Start(brokers: 1);

        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("plays", partitions: 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerUp(2));
    }

    [Fact]
    public async Task DeliversWhatAProducerWroteToAConsumerGroupExactly()
    {
        using var cluster = DevKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("plays", partitions: 3, replicationFactor: 3);
        using var producer = new ProducerBuilder<string, string>(TestKafka.ProducerConfig(cluster.BootstrapServers)).Build();

        var sent = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => producer.ProduceAsync("plays", new Message<string, string>
        {
            Key = $"user-{i % 17}",
            Value = $"{{\"eventId\":\"e-{i}\"}}",
            Headers = [new Header("seq", Encoding.UTF8.GetBytes(i.ToString()))],
        })));

        using var consumer = TestKafka.Consumer(cluster.BootstrapServers, "in-process");
        consumer.Subscribe("plays");
        var received = TestKafka.ConsumeUntil([consumer], sent.Length, Deadline);

        Assert.All(sent, result => Assert.Equal(PersistenceStatus.Persisted, result.Status));
        Assert.Equal(3, sent.Select(result => result.Partition).Distinct().Count());
        Assert.Equal(
            sent.Select(r => Describe(r.TopicPartitionOffset, r.Message)).Order(),
            received.Select(r => Describe(r.Result.TopicPartitionOffset, r.Result.Message)).Order());
    }

    [Fact]
    public async Task IdempotentProducerDeliversEachMessageOnceAcrossALeaderOutage()
    {
        using var cluster = DevKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("plays", partitions: 1, replicationFactor: 3);
        var partition = new TopicPartition("plays", 0);
        int leader;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            leader = admin.GetMetadata("plays", Deadline).Topics.Single().Partitions.Single().Leader;
        }

        var errors = new ConcurrentQueue<Error>();
        var logs = new ConcurrentQueue<LogMessage>();
        using var producer = new ProducerBuilder<string, string>(TestKafka.ProducerConfig(cluster.BootstrapServers))
            .SetErrorHandler((_, error) => errors.Enqueue(error))
            .SetLogHandler((_, log) => logs.Enqueue(log))
            .Build();
        Task<DeliveryResult<string, string>> Produce(int i) =>
            producer.ProduceAsync(partition, new Message<string, string> { Key = "user-1", Value = $"play-{i}" });

        // Delivered before the outage; then queued or in flight as the leader goes down; then produced while it is down.
        var beforeOutage = await Task.WhenAll(Enumerable.Range(0, 200).Select(Produce));
        var pending = Enumerable.Range(200, 300).Select(Produce).ToArray();
        cluster.SetBrokerDown(leader);
        // librdkafka reports a lost connection as an error or only as an informational log line,
        // depending on timing; its log names the broker "host:port/id".
        await Eventually.TrueAsync(
            () => logs.Any(log => log.Facility == "FAIL" && log.Message.Contains($"/{leader}: ", StringComparison.Ordinal)),
            () => $"the producer logs losing broker {leader}",
            Deadline);
        var duringOutage = Enumerable.Range(500, 200).Select(Produce).ToArray();
        Assert.DoesNotContain(duringOutage, delivery => delivery.IsCompleted);

        // The first produce requests after the outage fail too, with errors a producer must retry.
        cluster.PushRequestErrors(ProduceApiKey, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);
        cluster.SetBrokerUp(leader);
        var afterOutage = await Task.WhenAll(pending.Concat(duringOutage)).WaitAsync(Deadline);

        Assert.All(beforeOutage.Concat(afterOutage), result => Assert.Equal(PersistenceStatus.Persisted, result.Status));
        Assert.DoesNotContain(errors, error => error.IsFatal);

        using var consumer = TestKafka.Consumer(cluster.BootstrapServers, "outage-check");
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var log = TestKafka.ConsumeUntil([consumer], 700, Deadline);
        var watermarks = consumer.QueryWatermarkOffsets(partition, Deadline);

        Assert.Equal(Enumerable.Range(0, 700).Select(i => $"play-{i}"), log.Select(r => r.Result.Message.Value));
        Assert.Equal(700, watermarks.High.Value);
    }

    private static string Describe(TopicPartitionOffset position, Message<string, string> message) =>
        $"{position} {message.Key} {message.Value} seq={Encoding.UTF8.GetString(message.Headers.GetLastBytes("seq"))}";
}
