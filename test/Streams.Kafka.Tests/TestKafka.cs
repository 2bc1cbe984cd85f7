using System.Diagnostics;
using Confluent.Kafka;

namespace Encore.Streams.Kafka.Tests;

/// <summary>Clients tuned for tests: quick reconnects and rebalances, and deadlines instead of hangs.</summary>
internal static class TestKafka
{
    public static ProducerConfig ProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        // A message that cannot be delivered fails the test in a minute rather than in librdkafka's 5.
        MessageTimeoutMs = 60_000,
        ReconnectBackoffMs = 20,
        ReconnectBackoffMaxMs = 200,
        RetryBackoffMs = 20,
        RetryBackoffMaxMs = 200,
    };

    public static IConsumer<string, string> Consumer(string bootstrapServers, string groupId) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Tests commit explicitly, so no commit races a rebalance when one member closes first.
            EnableAutoCommit = false,
            // A member that joins a group which already has an assignment waits session.timeout.ms - 1 s
            // in the mock. That happens to a consumer that missed the first join, and to a follower whose
            // SyncGroup reaches the mock after the leader's (the mock answers it INVALID_REQUEST and the
            // follower rejoins). This keeps the wait at 2 s.
            SessionTimeoutMs = 3_000,
            HeartbeatIntervalMs = 250,
            ReconnectBackoffMs = 20,
            ReconnectBackoffMaxMs = 200,
        }).Build();

    /// <summary>Polls every consumer in turn until they received <paramref name="count"/> messages together.</summary>
    public static List<(IConsumer<string, string> Consumer, ConsumeResult<string, string> Result)> ConsumeUntil(
        IReadOnlyList<IConsumer<string, string>> consumers, int count, TimeSpan timeout)
    {
        var received = new List<(IConsumer<string, string>, ConsumeResult<string, string>)>();
        var elapsed = Stopwatch.StartNew();
        while (received.Count < count)
        {
            if (elapsed.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"Gave up after {timeout.TotalSeconds:0.#} s with {received.Count} of {count} messages consumed.");
            }

            foreach (var consumer in consumers)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } result)
                {
                    received.Add((consumer, result));
                }
            }
        }

        return received;
    }

    /// <summary>Polls consumers of one group until the group's partitions are split among all of them.</summary>
    public static void AwaitAssignment(
        IReadOnlyList<IConsumer<string, string>> consumers, int partitions, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        while (!consumers.All(c => c.Assignment.Count > 0)
            || consumers.Sum(c => c.Assignment.Count) != partitions)
        {
            if (elapsed.Elapsed > timeout)
            {
                var split = string.Join(" / ", consumers.Select(c => c.Assignment.Count));
                throw new TimeoutException(
                    $"Gave up after {timeout.TotalSeconds:0.#} s waiting for {partitions} partitions to be split among " +
                    $"{consumers.Count} consumers (assigned: {split}).");
            }

            foreach (var consumer in consumers)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } result)
                {
                    throw new InvalidOperationException(
                        $"Consumed {result.TopicPartitionOffset} before anything was produced.");
                }
            }
        }
    }
}
