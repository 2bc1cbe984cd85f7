namespace Encore.Streams.Kafka.Checkpoints;

/// <summary>
/// Where consumers of one Kafka partition declare how far their effects are durable, and where that
/// partition's receiver reads it before committing. One per (stream provider, partition), so the
/// consuming grain and the pulling agent meet wherever each of them happens to be activated.
/// </summary>
/// <remarks>
/// The declaration is kept in memory only: if it is lost the receiver simply stops committing until
/// the consumer declares again, which is safe (the committed offset can only lag, never pass work).
/// </remarks>
public interface IKafkaCheckpointGrain : IGrainWithStringKey
{
    /// <summary>
    /// Declares that the effects of every message of the partition below <paramref name="nextOffset"/>
    /// are durable. Declarations only ever move forward; a lower one is ignored.
    /// </summary>
    Task DeclareDurableAsync(long nextOffset);

    /// <summary>The highest offset declared so far, or <c>null</c> when nothing was declared.</summary>
    Task<long?> GetDurableOffsetAsync();
}

/// <summary>Addresses the checkpoint grain of a partition.</summary>
public static class KafkaCheckpoint
{
    public static string Key(string providerName, int partition) => $"{providerName}/{partition}";

    public static IKafkaCheckpointGrain Get(IGrainFactory grains, string providerName, int partition) =>
        grains.GetGrain<IKafkaCheckpointGrain>(Key(providerName, partition));
}
