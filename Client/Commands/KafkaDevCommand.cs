using System.CommandLine;
using System.CommandLine.Parsing;
using Encore.Streams.Kafka.DevCluster;

namespace Encore.Client.Commands;

/// <summary>
/// <c>kafka-dev</c>: runs the embedded dev Kafka cluster in this process until Ctrl+C or SIGTERM, with
/// the listening-event topic and its dead-letter topic created.
/// </summary>
internal static class KafkaDevCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers")
        {
            DefaultValueFactory = _ => 3,
            Description = "Number of brokers (ids 1..N), each on a free port of 127.0.0.1.",
        };
        brokers.Validators.Add(AtLeastOne);

        var partitions = new Option<int>("--partitions")
        {
            DefaultValueFactory = _ => Constants.DefaultPartitions,
            Description = $"Partitions of {Constants.DefaultTopic} and {Constants.DefaultDeadLetterTopic}.",
        };
        partitions.Validators.Add(AtLeastOne);

        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file")
        {
            Description = "Also write the bootstrap servers to this file, replaced whole so a reader never sees half of it.",
        };

        var command = new Command("kafka-dev", "Run the embedded dev Kafka cluster (librdkafka's mock cluster) until Ctrl+C or SIGTERM.")
        {
            brokers,
            partitions,
            bootstrapFile,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(brokers),
            parse.GetValue(partitions),
            parse.GetValue(bootstrapFile),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        int brokers,
        int partitions,
        FileInfo? bootstrapFile,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        DevKafkaCluster cluster;
        try
        {
            cluster = DevKafkaCluster.Start(brokers);
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync(e.Message);
            return 1;
        }

        using (cluster)
        {
            // Replicas are only metadata in the mock, but a real cluster's shape keeps clients honest.
            var replicationFactor = Math.Min(brokers, 3);
            cluster.CreateTopic(Constants.DefaultTopic, partitions, replicationFactor);
            cluster.CreateTopic(Constants.DefaultDeadLetterTopic, partitions, replicationFactor);

            await output.WriteLineAsync(
                $"Kafka dev cluster: {brokers} brokers; {Constants.DefaultTopic} and {Constants.DefaultDeadLetterTopic} " +
                $"with {partitions} partitions each.");
            await output.WriteLineAsync($"Bootstrap servers: {cluster.BootstrapServers}");
            await output.WriteLineAsync("Press Ctrl+C to stop.");
            await output.FlushAsync(cancellationToken);

            // Written last: scripts wait for this file as the sign that the cluster is ready.
            if (bootstrapFile is not null)
            {
                await WriteWholeAsync(bootstrapFile, cluster.BootstrapServers + Environment.NewLine, cancellationToken);
            }

            // System.CommandLine cancels the token on Ctrl+C, SIGINT and SIGTERM.
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => stopped.TrySetResult()))
            {
                await stopped.Task;
            }
        }

        await output.WriteLineAsync("Kafka dev cluster stopped.");
        return 0;
    }

    /// <summary>Writes beside the target, then renames over it: a rename within a directory is atomic.</summary>
    private static async Task WriteWholeAsync(FileInfo file, string contents, CancellationToken cancellationToken)
    {
        file.Directory?.Create();
        var temporary = Path.Combine(file.DirectoryName ?? ".", $".{file.Name}.{Environment.ProcessId}.tmp");
        await File.WriteAllTextAsync(temporary, contents, cancellationToken);
        File.Move(temporary, file.FullName, overwrite: true);
    }

    private static void AtLeastOne(OptionResult result)
    {
        if (result.GetValueOrDefault<int>() < 1)
        {
            result.AddError($"{result.Option.Name} must be at least 1.");
        }
    }
}
