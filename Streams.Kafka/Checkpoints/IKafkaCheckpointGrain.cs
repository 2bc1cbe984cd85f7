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

    /// <summary>
    /// Asks the partition's receiver to read the partition again from its committed offset: a consumer
    /// lost effects that were never durable (a grain holding them died), or cannot tell what other
    /// grains still hold (it is a new activation). Consumers drop what they already applied. Messages
    /// read by that replay (or any later read) carry an epoch at or past the ticket returned.
    /// </summary>
    Task<ReplayTicket> RequestReplayAsync();

    /// <summary>
    /// A consumer activation starts. When the previous one never said it stopped (its silo died), its
    /// record of what other grains still held only in memory died with it, so a replay is requested.
    /// The ticket says which reads the new activation may trust: those of that replay and later ones.
    /// </summary>
    Task<ReplayTicket> ConsumerStartedAsync();

    /// <summary>A consumer activation stopped cleanly, after its last declaration.</summary>
    Task ConsumerStoppedAsync();

    /// <summary>What consumers declared so far.</summary>
    Task<KafkaCheckpointState> GetStateAsync();
}

/// <summary>
/// The highest declared durable offset (null when none), how many replays were requested, and which
/// activation of the checkpoint grain answers: a new one has forgotten what the consumers declared.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record KafkaCheckpointState(
    [property: Id(0)] long? DurableOffset,
    [property: Id(1)] int ReplayRequests,
    [property: Id(2)] Guid Incarnation)
{
    /// <summary>The replays asked for so far: a read from the committed offset now satisfies them all.</summary>
    public ReplayTicket Ticket => new(Incarnation, ReplayRequests);
}

/// <summary>
/// Which replays of a partition a read satisfies: those requested of checkpoint-grain activation
/// <paramref name="Incarnation"/> up to number <paramref name="Replays"/>. A new activation of the
/// checkpoint grain makes the receiver read again from the committed offset, which satisfies every
/// replay asked of the old one.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct ReplayTicket([property: Id(0)] Guid Incarnation, [property: Id(1)] int Replays)
{
    /// <summary>Whether a read of this epoch satisfies the replays of <paramref name="requested"/>.</summary>
    public bool Covers(ReplayTicket requested) => Incarnation == requested.Incarnation && Replays >= requested.Replays;
}

/// <summary>Addresses the checkpoint grain of a partition.</summary>
public static class KafkaCheckpoint
{
    public static string Key(string providerName, int partition) => $"{providerName}/{partition}";

    public static IKafkaCheckpointGrain Get(IGrainFactory grains, string providerName, int partition) =>
        grains.GetGrain<IKafkaCheckpointGrain>(Key(providerName, partition));
}
