using System.ComponentModel.DataAnnotations;

namespace Encore.Silo.Kafka;

/// <summary>Configuration section <c>Kafka</c> as the silo reads it (the README, "Configuration").</summary>
public sealed class KafkaSettings
{
    public const string SectionName = "Kafka";

    /// <summary>Empty: the silo starts the embedded dev Kafka cluster in-process and fills this in.</summary>
    public string BootstrapServers { get; set; } = "";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Kafka:Topic is empty; set Kafka__Topic or remove it for 'music.plays'.")]
    public string Topic { get; set; } = Constants.DefaultTopic;

    [Required(AllowEmptyStrings = false, ErrorMessage = "Kafka:DeadLetterTopic is empty; set Kafka__DeadLetterTopic or remove it for 'music.plays.dlq'.")]
    public string DeadLetterTopic { get; set; } = Constants.DefaultDeadLetterTopic;

    [Range(1, 1024, ErrorMessage = "Kafka:Partitions must be between 1 and 1024; set Kafka__Partitions.")]
    public int Partitions { get; set; } = Constants.DefaultPartitions;

    /// <summary>
    /// Messages the pulling agent hands a partition grain at once: per-batch aggregation is what keeps
    /// hot tracks off the critical path. <see cref="ReadAhead"/> holds at least one such batch.
    /// </summary>
    public const int DeliveryBatchSize = 500;

    /// <summary>
    /// Messages read from Kafka per partition and held, as read, until the pulling agent takes them; the
    /// agent's cache then holds one delivery batch, decoded. Three batches: with one, a partition's grain
    /// often found nothing waiting when it finished a batch, a cold pass left a sixth of the cores idle
    /// and its batches averaged 307 plays. Every message held across a collection is copied by it, so
    /// more only costs memory: at 2 000 at both stages, half of what each gen0 collection promoted while
    /// the silo was behind (docs/performance.md).
    /// </summary>
    [Range(DeliveryBatchSize, 100_000, ErrorMessage = "Kafka:ReadAhead must be between 500 and 100000; set Kafka__ReadAhead.")]
    public int ReadAhead { get; set; } = 3 * DeliveryBatchSize;

    /// <summary>Whether the bootstrap servers were left empty, so this silo runs the embedded cluster.</summary>
    public bool Embedded { get; set; }
}
