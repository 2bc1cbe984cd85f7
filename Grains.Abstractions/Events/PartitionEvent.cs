namespace Encore.Events;

/// <summary>
/// A validated listening event as it travels on its partition's stream: the event plus the Kafka
/// partition and offset it was read from, which the consuming grains use as their applied-offset
/// watermarks (docs/architecture.md, "Exactly-once effect"). Carrying them in the item keeps grains independent of token types.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PartitionEvent(
    [property: Id(0)] int Partition,
    [property: Id(1)] long Offset,
    [property: Id(2)] ListeningEvent Event)
{
    /// <summary>An event whose track the adapter found at <paramref name="trackIndex"/> in the catalog identified by <paramref name="catalogIdentity"/>.</summary>
    public PartitionEvent(int partition, long offset, ListeningEvent @event, long catalogIdentity, int trackIndex)
        : this(partition, offset, @event)
    {
        CatalogIdentity = catalogIdentity;
        TrackIndexPlusOne = trackIndex + 1;
    }

    // Where the adapter's validation found the track, plus one so that 0 says "not looked up", and in
    // which catalog. Never sent: another process's catalog may order its tracks otherwise, and an event
    // read back from a message is looked up by id again. The user bucket that applies the play reads it
    // rather than looking the track up a second time (docs/performance.md).
    [field: NonSerialized] private long CatalogIdentity { get; init; }
    [field: NonSerialized] private int TrackIndexPlusOne { get; init; }

    /// <summary>Where the track is in the catalog identified by <paramref name="catalogIdentity"/>, if the adapter found it there.</summary>
    public bool TryGetTrackIndex(long catalogIdentity, out int index)
    {
        index = TrackIndexPlusOne - 1;
        return TrackIndexPlusOne != 0 && CatalogIdentity == catalogIdentity;
    }
}
