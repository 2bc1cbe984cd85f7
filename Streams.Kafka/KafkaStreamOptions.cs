using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Encore.Streams.Kafka;

/// <summary>How a Kafka message that did not come from Orleans is mapped onto an Orleans stream.</summary>
public enum StreamKeyMode
{
    /// <summary>All of a partition's messages on one stream whose key is the partition number.</summary>
    PerPartition,

    /// <summary>One stream per Kafka message key.</summary>
    PerKey,
}

/// <summary>When a partition's committed offset may advance.</summary>
public enum CheckpointMode
{
    /// <summary>
    /// Only up to what consumers declared durable through <see cref="Checkpoints.IKafkaCheckpointGrain"/>:
    /// for consumers that buffer state and persist it later.
    /// </summary>
    DeclaredDurable,

    /// <summary>Up to what was delivered to every consumer and purged from the cache (no declarations needed).</summary>
    Delivered,
}

/// <summary>Options of one Kafka stream provider; every librdkafka setting can be passed through.</summary>
public sealed class KafkaStreamOptions
{
    /// <summary>Bootstrap servers, comma-separated.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>The topic read and written. <c>{ClusterId}</c> and <c>{ServiceId}</c> are replaced.</summary>
    public string Topic { get; set; } = "music.plays";

    /// <summary>Where rejected messages go, with the reason in a header. Same placeholders as <see cref="Topic"/>.</summary>
    public string DeadLetterTopic { get; set; } = "music.plays.dlq";

    /// <summary>Partitions when the topic is created; an existing topic keeps its own count.</summary>
    public int Partitions { get; set; } = 8;

    public short ReplicationFactor { get; set; } = 1;

    public bool CreateTopics { get; set; } = true;

    /// <summary>Consumer group that stores the committed offsets. Same placeholders as <see cref="Topic"/>.</summary>
    public string ConsumerGroup { get; set; } = "encore-{ServiceId}-{ClusterId}";

    /// <summary>Where a partition with no committed offset starts.</summary>
    public AutoOffsetReset StartFrom { get; set; } = AutoOffsetReset.Earliest;

    public StreamKeyMode StreamKeyMode { get; set; } = StreamKeyMode.PerPartition;

    /// <summary>Stream namespace of streams made from external messages.</summary>
    public string StreamNamespace { get; set; } = "music.plays";

    public CheckpointMode CheckpointMode { get; set; } = CheckpointMode.DeclaredDurable;

    /// <summary>A partition's committed offset advances at most this often.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most messages handed to the pulling agent per read.</summary>
    public int MaxBatchSize { get; set; } = 2_000;

    /// <summary>Messages read ahead per partition; the partition is paused above this and resumed below half.</summary>
    public int MaxBufferedMessages { get; set; } = 20_000;

    /// <summary>librdkafka settings for consumers, producers and the admin client, applied last.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];
    public Dictionary<string, string> Producer { get; set; } = [];

    internal string Resolve(string value, string serviceId, string clusterId) =>
        value.Replace("{ServiceId}", serviceId, StringComparison.Ordinal)
             .Replace("{ClusterId}", clusterId, StringComparison.Ordinal);
}

internal sealed class KafkaStreamOptionsValidator(string name) : IValidateOptions<KafkaStreamOptions>
{
    public ValidateOptionsResult Validate(string? optionsName, KafkaStreamOptions options)
    {
        if (optionsName != name)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            failures.Add($"Kafka stream provider '{name}': BootstrapServers is empty; set Kafka__BootstrapServers (host:port,...) or, in the Encore silo, leave it empty for the embedded cluster.");
        }

        if (string.IsNullOrWhiteSpace(options.Topic))
        {
            failures.Add($"Kafka stream provider '{name}': Topic is empty; set Kafka__Topic.");
        }

        if (string.IsNullOrWhiteSpace(options.DeadLetterTopic))
        {
            failures.Add($"Kafka stream provider '{name}': DeadLetterTopic is empty; set Kafka__DeadLetterTopic.");
        }

        if (options.Partitions < 1)
        {
            failures.Add($"Kafka stream provider '{name}': Partitions is {options.Partitions}; set Kafka__Partitions to 1 or more.");
        }

        if (options.CheckpointInterval <= TimeSpan.Zero)
        {
            failures.Add($"Kafka stream provider '{name}': CheckpointInterval must be positive.");
        }

        if (options.MaxBatchSize < 1 || options.MaxBufferedMessages < options.MaxBatchSize)
        {
            failures.Add($"Kafka stream provider '{name}': MaxBatchSize must be at least 1 and MaxBufferedMessages at least MaxBatchSize.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
