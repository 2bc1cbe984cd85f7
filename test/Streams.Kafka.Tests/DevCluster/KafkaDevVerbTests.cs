using System.Diagnostics;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Encore.Streams.Kafka.Tests.DevCluster;

public sealed class KafkaDevVerbTests(ITestOutputHelper output)
{
    // The contract of `encore kafka-dev` (README, "Command-line client"), written out rather than taken from Encore.Constants so that a
    // change of the constants shows up here as a broken contract.
    private const string Topic = "music.plays";
    private const string DeadLetterTopic = "music.plays.dlq";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ServesProducersConsumerGroupsAndKcatOfOtherProcesses()
    {
        await using var kafkaDev = await KafkaDevProcess.StartAsync(brokers: 3, partitions: 4, Deadline);
        var bootstrap = kafkaDev.BootstrapServers;

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(Deadline);
            Assert.Equal(3, metadata.Brokers.Count);
            Assert.Equal(4, metadata.Topics.Single(t => t.Topic == Topic).Partitions.Count);
            Assert.Equal(4, metadata.Topics.Single(t => t.Topic == DeadLetterTopic).Partitions.Count);
        }

        await Eventually.TrueAsync(
            () => kafkaDev.Output.Contains($"Bootstrap servers: {bootstrap}", StringComparison.Ordinal),
            () => $"kafka-dev prints the bootstrap servers it wrote to its file; it printed: {kafkaDev.Output}",
            Deadline);

        // Two members of one group share the partitions; they join before anything is produced, so no
        // rebalance can hand a partition over mid-read.
        using var first = TestKafka.Consumer(bootstrap, "kafka-dev-test");
        using var second = TestKafka.Consumer(bootstrap, "kafka-dev-test");
        first.Subscribe(Topic);
        second.Subscribe(Topic);
        TestKafka.AwaitAssignment([first, second], partitions: 4, Deadline);
        Assert.Empty(first.Assignment.Intersect(second.Assignment));

        var produced = Enumerable.Range(0, 1000).Select(i => $"{{\"eventId\":\"e-{i}\",\"userId\":\"user-{i % 97}\"}}").ToList();
        using (var producer = new ProducerBuilder<string, string>(TestKafka.ProducerConfig(bootstrap)).Build())
        {
            var deliveries = await Task.WhenAll(produced.Select((value, i) =>
                producer.ProduceAsync(Topic, new Message<string, string> { Key = $"user-{i % 97}", Value = value })));
            Assert.All(deliveries, delivery => Assert.Equal(PersistenceStatus.Persisted, delivery.Status));
        }

        var received = TestKafka.ConsumeUntil([first, second], produced.Count, Deadline);

        Assert.Equal(produced.Order(), received.Select(r => r.Result.Message.Value).Order());
        Assert.All(received, r => Assert.Contains(r.Result.TopicPartition, r.Consumer.Assignment));
        Assert.Contains(received, r => r.Consumer == first);
        Assert.Contains(received, r => r.Consumer == second);

        // The offsets both members committed, kept by the kafka-dev process, add up to every message.
        first.Commit();
        second.Commit();
        var committed = first.Committed(
            Enumerable.Range(0, 4).Select(p => new TopicPartition(Topic, p)), Deadline);
        Assert.Equal(produced.Count, committed.Sum(c => c.Offset.Value));
        first.Close();
        second.Close();

        if (FindKcat() is { } kcat)
        {
            var lines = await RunKcatAsync(kcat, "-b", bootstrap, "-C", "-t", Topic, "-e", "-q", "-f", "%s\n");
            Assert.Equal(produced.Order(), lines.Order());
        }
        else
        {
            output.WriteLine("kcat is not installed: skipped reading the topic back with it (apt-get install kcat).");
        }

        Assert.Equal(0, await kafkaDev.StopAsync(Deadline));
        Assert.Contains("Kafka dev cluster stopped.", kafkaDev.Output);
    }

    private static string? FindKcat() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(directory => new[] { Path.Combine(directory, "kcat"), Path.Combine(directory, "kafkacat") })
            .FirstOrDefault(File.Exists);

    private static async Task<List<string>> RunKcatAsync(string kcat, params string[] arguments)
    {
        var start = new ProcessStartInfo(kcat, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw new TimeoutException($"kcat did not reach the end of the topic in {Deadline.TotalSeconds} s: {await stderr}");
            }
        }

        Assert.True(process.ExitCode == 0, $"kcat exited with {process.ExitCode}: {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
