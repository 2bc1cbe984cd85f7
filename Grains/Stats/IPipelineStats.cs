namespace Encore.Stats;

/// <summary>
/// The pipeline counters of this silo. Partition grains record what they process; the stream provider
/// records what it rejects and where each partition it reads stands (committed offset, lag). Read by
/// <see cref="ISiloStatsGrain"/>, which the API sums over the cluster.
/// </summary>
public interface IPipelineStats
{
    /// <param name="events">Events taken off a partition stream for the first time (duplicates included).</param>
    /// <param name="duplicates">Of those, resends dropped by eventId.</param>
    /// <param name="replays">Redelivered events dropped by an applied-offset watermark.</param>
    void RecordProcessed(int events, int duplicates, int replays);

    /// <summary>
    /// Messages the stream provider refused, by the kind of their reason (<c>NotJson</c>,
    /// <c>UnknownTrack</c>, ...: the names of <see cref="Events.RejectReason"/>, or <see cref="PipelineStats.OtherReason"/>).
    /// </summary>
    void RecordRejected(string reason, int count);

    /// <summary>Valid events dead-lettered because their grain could not apply them (<see cref="PipelineStats.ApplyFailedReason"/>).</summary>
    void RecordRejected(int count);

    /// <summary>Everything rejected so far, by reason; the counts add up to <see cref="PipelineStatsSnapshot.EventsRejected"/>.</summary>
    IReadOnlyList<(string Reason, long Count)> RejectedByReason();

    /// <summary>Where the consumer of a partition read by this silo stands.</summary>
    void SetPartitionProgress(int partition, long committedOffset, long lag);

    /// <summary>This silo stopped reading <paramref name="partition"/> (it moved to another silo).</summary>
    void RemovePartition(int partition);

    PipelineStatsSnapshot Snapshot();
}
