using System.Text;
using Confluent.Kafka;
using Encore.Streams.Kafka.Checkpoints;
using Encore.Streams.Kafka.DevCluster;
using Encore.Streams.Kafka.Providers;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers.Streams.Common;
using Orleans.TestingHost;

namespace Encore.Streams.Kafka.Tests.Provider;

public sealed class DevKafkaFixture : IDisposable
{
    public DevKafkaCluster Kafka { get; } = DevKafkaCluster.Start(brokers: 3);

    public string Bootstrap => Kafka.BootstrapServers;

    public void Dispose() => Kafka.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ProviderCollection : ICollectionFixture<DevKafkaFixture>
{
    public const string Name = "Kafka stream provider";
}

/// <summary>The provider end to end: real Orleans test clusters reading the embedded dev Kafka cluster.</summary>
[Collection(ProviderCollection.Name)]
public sealed class KafkaStreamProviderTests(DevKafkaFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static Task WaitForApplied(RecordingSink sink, int expected) =>
        Eventually.TrueAsync(() => sink.Applied >= expected, () => $"{expected} records applied (have {sink.Applied})", Deadline);

    private static long Committed(TestCluster cluster) =>
        Counters(cluster).SelectMany(c => c.Partitions).Sum(p => p.CommittedOffset);

    private static Task WaitForCommitted(TestCluster cluster, long expected, string what) =>
        Eventually.TrueAsync(() => Committed(cluster) == expected, () => $"{what} (committed {Committed(cluster)})", Deadline);

    private static IEnumerable<KafkaStreamCounters> Counters(TestCluster cluster) =>
        cluster.Silos.OfType<InProcessSiloHandle>().Select(s =>
            s.SiloHost.Services.GetRequiredKeyedService<KafkaStreamStatistics>(TestStreams.Provider).Snapshot());

    [Fact]
    public async Task EveryEventReachesThePartitionOfItsKeyInOffsetOrder()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        var sink = RecordingSink.For(clusterId);

        var produced = await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, KafkaTestCluster.TopicOf(clusterId), KafkaTestCluster.Records(users: 50, perUser: 20));
        await WaitForApplied(sink, 1_000);

        var delivered = sink.FirstDeliveries();
        Assert.Equal(1_000, delivered.Count);
        Assert.Equal(1_000, sink.Applied);
        foreach (var result in produced)
        {
            // librdkafka's murmur2 partitioner and the queue mapper agree on every key.
            Assert.Equal(result.Partition.Value, Murmur2.Partition(Encoding.UTF8.GetBytes(result.Message.Key), 4));
        }

        var where = produced.ToDictionary(r => (r.Partition.Value, r.Offset.Value), r => r.Message.Value);
        Assert.All(delivered, d => Assert.Equal($"{d.Key}|{d.Seq}", where[(d.Partition, d.Offset)]));
        // First deliveries come in offset order (a queue moving between silos may repeat a tail).
        foreach (var partition in delivered.GroupBy(d => d.Partition))
        {
            var offsets = partition.Select(d => d.Offset).ToList();
            Assert.Equal(offsets.Order(), offsets);
        }

        foreach (var user in delivered.GroupBy(d => d.Key))
        {
            Assert.Single(user.Select(d => d.Partition).Distinct());
            Assert.Equal(Enumerable.Range(0, 20), user.Select(d => d.Seq));
        }
    }

    [Fact]
    public async Task EventsQueuedThroughOrleansGoToThePartitionOfTheirStreamAndComeBackInOrder()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        var sink = RecordingSink.For(clusterId);
        var provider = cluster.Client.GetStreamProvider(TestStreams.Provider);

        for (var partition = 0; partition < 4; partition++)
        {
            var stream = provider.GetStream<TestRecord>(StreamId.Create(TestStreams.Namespace, partition));
            for (var seq = 0; seq < 25; seq++)
            {
                await stream.OnNextAsync(new TestRecord(-1, -1, $"via-orleans-{partition}", seq));
            }
        }

        await WaitForApplied(sink, 100);
        var delivered = sink.FirstDeliveries();
        Assert.Equal(100, delivered.Count);
        foreach (var key in delivered.GroupBy(d => d.Key))
        {
            Assert.All(key, d => Assert.Equal($"via-orleans-{d.Partition}", d.Key));
            Assert.Equal(Enumerable.Range(0, 25), key.Select(d => d.Seq));
            Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), key.Select(d => d.Offset));
        }
    }

    [Fact]
    public async Task RejectedMessagesAreDeadLetteredWithTheirReasonAndThePartitionMovesOn()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        var sink = RecordingSink.For(clusterId);

        var messages = KafkaTestCluster.Records(users: 10, perUser: 10).ToList();
        messages.Insert(3, ("user-1", "not a record"));
        messages.Insert(50, ("user-2", "user-2|minus-one"));
        messages.Add(("user-3", ""));
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, KafkaTestCluster.TopicOf(clusterId), messages);

        await WaitForApplied(sink, 100);
        await Eventually.TrueAsync(() => Counters(cluster).Sum(c => c.Rejected) == 3, () => "3 rejections counted", Deadline);

        using var consumer = TestKafka.Consumer(fixture.Bootstrap, $"dlq-{clusterId}");
        consumer.Subscribe(KafkaTestCluster.DeadLetterTopicOf(clusterId));
        var dead = TestKafka.ConsumeUntil([consumer], 3, Deadline).Select(d => d.Result.Message).ToList();
        Assert.Equal(
            ["'' is not key|seq", "'not a record' is not key|seq", "'user-2|minus-one' is not key|seq"],
            dead.Select(m => Encoding.UTF8.GetString(m.Headers.GetLastBytes(DeadLetterHeaders.Reason))).Order());
        Assert.Equal(["", "not a record", "user-2|minus-one"], dead.Select(m => m.Value).Order());
        Assert.Equal(100, sink.FirstDeliveries().Count);
        Assert.Equal(100, Counters(cluster).Sum(c => c.Accepted));
    }

    [Fact]
    public async Task ADataAdapterThatThrowsLosesNoMessageOfItsRead()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        var sink = RecordingSink.For(clusterId);

        // Messages whose decoding throws once sit among ordinary ones on every partition: the receiver
        // rewinds and reads them again. One that always throws is rejected after the third attempt.
        var messages = KafkaTestCluster.Records(users: 10, perUser: 10).ToList();
        for (var user = 1; user <= 10; user++)
        {
            var i = messages.FindIndex(m => m.Value == $"user-{user}|5");
            messages[i] = (messages[i].Key, messages[i].Value + "|throws-once");
        }

        messages.Insert(40, ("user-4", "user-4|throws"));
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, KafkaTestCluster.TopicOf(clusterId), messages);

        await WaitForApplied(sink, 100);
        await Eventually.TrueAsync(() => Counters(cluster).Sum(c => c.Rejected) == 1, () => "1 rejection counted", Deadline);
        using var consumer = TestKafka.Consumer(fixture.Bootstrap, $"dlq-{clusterId}");
        consumer.Subscribe(KafkaTestCluster.DeadLetterTopicOf(clusterId));
        var dead = Assert.Single(TestKafka.ConsumeUntil([consumer], 1, Deadline)).Result.Message;
        Assert.Equal("user-4|throws", dead.Value);
        Assert.Equal(
            "decoding failed 3 times: InvalidOperationException: cannot decode 'user-4|throws'",
            Encoding.UTF8.GetString(dead.Headers.GetLastBytes(DeadLetterHeaders.Reason)));

        var first = sink.FirstDeliveries();
        Assert.Equal(100, first.Count);
        foreach (var key in first.GroupBy(d => d.Key))
        {
            Assert.Equal(Enumerable.Range(0, 10), key.Select(d => d.Seq));
        }

        Assert.Equal(100, Counters(cluster).Sum(c => c.Accepted));
    }

    [Fact]
    public async Task ARestartResumesFromCommittedOffsetsAndCountsEachEventOnce()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        long committedBeforeRestart;
        await using (var first = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId))
        {
            await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 25));
            await WaitForApplied(sink, 500);
            await WaitForCommitted(first, 500, "every partition committed up to its end");
            committedBeforeRestart = Committed(first);
            await first.StopAllSilosAsync();
        }

        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 25, firstSeq: 25));
        var deliveredBefore = sink.Deliveries.Count;
        await using var second = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        await WaitForApplied(sink, 1_000);

        Assert.Equal(500, committedBeforeRestart);
        Assert.Equal(1_000, sink.Applied);
        // Everything committed before the restart stays committed: the new cluster reads only what came
        // after (a queue moving while the second silo joins may deliver some of that twice).
        var afterRestart = sink.Deliveries.Skip(deliveredBefore).ToList();
        Assert.All(afterRestart, d => Assert.InRange(d.Seq, 25, 49));
        Assert.Equal(500, afterRestart.Select(d => (d.Partition, d.Offset)).Distinct().Count());
        Assert.Equal(1_000, sink.FirstDeliveries().Count);
    }

    [Fact]
    public async Task ARestartReplaysOnlyTheTailNotDeclaredDurableAndCountsItOnce()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        Dictionary<int, long> committed;
        await using (var first = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId))
        {
            await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 10));
            await WaitForApplied(sink, 200);
            await WaitForCommitted(first, 200, "the first 200 committed");
            committed = Counters(first).SelectMany(c => c.Partitions).ToDictionary(p => p.Partition, p => p.CommittedOffset);

            // The next 200 are applied but their effects are never declared durable, as if still buffered.
            sink.Declaring = false;
            await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 10, firstSeq: 10));
            await WaitForApplied(sink, 400);
            await first.StopAllSilosAsync();
        }

        sink.Declaring = true;
        var deliveredBefore = sink.Deliveries.Count;
        await using var second = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        await Eventually.TrueAsync(() => sink.Deliveries.Count >= deliveredBefore + 200, () => $"the undeclared tail replayed (have {sink.Deliveries.Count})", Deadline);
        await WaitForCommitted(second, 400, "everything committed after the replay");

        // Only the tail that was never declared durable is read again, and it is applied once.
        var replayed = sink.Deliveries.Skip(deliveredBefore).ToList();
        Assert.All(replayed, d => Assert.True(d.Offset >= committed[d.Partition], $"{d} was below the committed offset"));
        Assert.Equal(200, replayed.Select(d => (d.Partition, d.Offset)).Distinct().Count());
        Assert.Equal(400, sink.Applied);
        Assert.Equal(400, sink.FirstDeliveries().Count);
    }

    [Fact]
    public async Task AReplayRequestRereadsThePartitionFromItsCommittedOffset()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 5));
        await WaitForApplied(sink, 100);
        await WaitForCommitted(cluster, 100, "the first 100 committed");

        // The next 100 are applied but never declared durable, as if a grain holding them died.
        sink.Declaring = false;
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 5, firstSeq: 5));
        await WaitForApplied(sink, 200);
        sink.Declaring = true;
        var beforeReplay = sink.Deliveries.Count;
        var tickets = new Dictionary<int, ReplayTicket>();
        foreach (var partition in Enumerable.Range(0, 4))
        {
            tickets[partition] = await KafkaCheckpoint.Get(cluster.GrainFactory, TestStreams.Provider, partition).RequestReplayAsync();
        }

        await Eventually.TrueAsync(() => sink.Deliveries.Count >= beforeReplay + 100, () => $"the uncommitted 100 read again (have {sink.Deliveries.Count})", Deadline);
        await WaitForCommitted(cluster, 200, "everything committed after the replay");

        Assert.Equal(200, sink.Applied);
        var replayed = sink.Deliveries.Skip(beforeReplay).ToList();
        Assert.All(replayed, d => Assert.InRange(d.Seq, 5, 9));
        Assert.Equal(100, replayed.Select(d => (d.Partition, d.Offset)).Distinct().Count());
        // A message read again carries the same token: its offset. The replay's reads carry an epoch that
        // satisfies the ticket the request returned; the reads before it did not.
        Assert.Equal(0, sink.TokenMismatches);
        var byEpoch = sink.Epochs.ToList().ToLookup(e => e.Epoch.Covers(tickets[e.Record.Partition]));
        Assert.Equal(100, byEpoch[true].Where(e => e.Record.Seq >= 5).Select(e => (e.Record.Partition, e.Record.Offset)).Distinct().Count());
        Assert.Equal(200, byEpoch[false].Select(e => (e.Record.Partition, e.Record.Offset)).Distinct().Count());
        Assert.Equal(200, Counters(cluster).Sum(c => c.Accepted));
    }

    [Fact]
    public async Task ASubscriberResumingFromATokenOlderThanTheCacheIsServedFromKafka()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId, silos: 1, kafkaSettings: new Dictionary<string, string>
        {
            ["Partitions"] = "1",
            ["CacheSize"] = "50",
        });
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 10, perUser: 20));
        await WaitForApplied(sink, 200);

        // Long delivered and gone from a cache of 50: the next activation resumes from offset 10.
        sink.ResumeFrom = new EventSequenceTokenV2(10);
        await cluster.GrainFactory.GetGrain<IRecordingGrain>(0).Deactivate();
        var before = sink.Deliveries.Count;
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, [("user-1", "user-1|20")]);
        await Eventually.TrueAsync(() => sink.Deliveries.Skip(before).Any(d => d.Offset == 200), () => "the resumed subscription reached the new message", Deadline);

        // Read again from Kafka from the resume token on (the token's own message included, as a
        // resume handshake may deliver it), with the tokens of the first read; each applied once.
        var resumed = sink.Deliveries.Skip(before).Select(d => d.Offset).ToList();
        Assert.Equal(Enumerable.Range(11, 190).Select(o => (long)o), resumed.Where(o => o > 10));
        Assert.All(resumed, o => Assert.True(o >= 10, $"offset {o} is before the resume token"));
        Assert.Equal(0, sink.TokenMismatches);
        Assert.Equal(201, sink.Applied);
        Assert.Equal(201, Counters(cluster).Sum(c => c.Accepted));
    }

    [Fact]
    public async Task ASiloJoiningAndLeavingMovesPartitionsWithNothingLost()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId, silos: 1);

        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 30, perUser: 10));
        await WaitForApplied(sink, 300);

        var joined = await cluster.StartAdditionalSiloAsync();
        await Eventually.TrueAsync(() => Counters(cluster).All(c => c.Partitions.Count > 0), () => "the new silo reads some partitions",
            Deadline);
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 30, perUser: 10, firstSeq: 10));
        await WaitForApplied(sink, 600);

        await cluster.StopSiloAsync(cluster.Primary!);
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 30, perUser: 10, firstSeq: 20));
        await WaitForApplied(sink, 900);

        Assert.Equal(900, sink.Applied);
        Assert.Equal(900, sink.FirstDeliveries().Count);
        foreach (var user in sink.FirstDeliveries().GroupBy(d => d.Key))
        {
            Assert.Equal(Enumerable.Range(0, 30), user.Select(d => d.Seq));
        }

        Assert.Equal(4, Counters(cluster).Single().Partitions.Count);
        Assert.Same(joined, cluster.Silos.Single());
    }

    [Fact]
    public async Task ASlowConsumerPausesItsPartitionWithBoundedMemoryAndResumes()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        sink.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId, silos: 1, kafkaSettings: new Dictionary<string, string>
        {
            ["Partitions"] = "1",
            ["MaxBatchSize"] = "50",
            ["MaxBufferedMessages"] = "200",
            ["CacheSize"] = "100",
        });

        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, KafkaTestCluster.TopicOf(clusterId), KafkaTestCluster.Records(users: 10, perUser: 300));
        await Eventually.TrueAsync(() => Counters(cluster).Single().Partitions is [{ Paused: true }], () => "the partition paused", Deadline);
        var whilePaused = Counters(cluster).Single();

        sink.Gate.SetResult();
        await WaitForApplied(sink, 3_000);
        await Eventually.TrueAsync(() => Counters(cluster).Single().Partitions is [{ Paused: false, Buffered: 0 }], () => "the partition resumed", Deadline);

        // Paused at 200 read ahead and not resumed above 100; what the blocked consumer holds is bounded
        // by the cache (100) and one read (50), not by the 3 000 waiting in Kafka.
        // The pause can come before the pulling agent's first read from the receiver: nothing accepted
        // yet is as bounded as it gets (seen once in five runs on a busy machine).
        Assert.InRange(whilePaused.Partitions.Single().Buffered, 101, 201);
        Assert.InRange(whilePaused.Accepted, 0, 250);
        Assert.Equal(3_000, sink.FirstDeliveries().Count);
    }

    [Fact]
    public async Task ABrokerTakenDownAndBroughtBackLosesNothing()
    {
        var clusterId = KafkaTestCluster.NewClusterId();
        var sink = RecordingSink.For(clusterId);
        var topic = KafkaTestCluster.TopicOf(clusterId);
        await using var cluster = await KafkaTestCluster.StartAsync(fixture.Kafka, clusterId);
        await KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 10));
        await WaitForApplied(sink, 200);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();
        var leader = admin.GetMetadata(topic, Deadline).Topics.Single().Partitions.Single(p => p.PartitionId == 0).Leader;
        fixture.Kafka.SetBrokerDown(leader);
        try
        {
            var producing = KafkaTestCluster.ProduceAsync(fixture.Bootstrap, topic, KafkaTestCluster.Records(users: 20, perUser: 10, firstSeq: 10));

            // Partitions led by the other brokers go on while this one is down.
            await Eventually.TrueAsync(() => sink.Applied > 200, () => "progress on the partitions still up", Deadline);
            Assert.False(producing.IsCompleted);
            fixture.Kafka.SetBrokerUp(leader);
            await producing;
        }
        finally
        {
            fixture.Kafka.SetBrokerUp(leader);
        }

        await WaitForApplied(sink, 400);
        Assert.Equal(400, sink.Applied);
        Assert.Equal(400, sink.FirstDeliveries().Count);
    }
}
