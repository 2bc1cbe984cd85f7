namespace Encore.Stats;

/// <summary>
/// One per silo, keyed on the silo address (<c>SiloAddress.ToParsableString()</c>) and always placed
/// on that silo: reads that silo's pipeline counters. Summing it over the active silos gives the
/// cluster's figures.
/// </summary>
public interface ISiloStatsGrain : IGrainWithStringKey
{
    Task<PipelineStatsSnapshot> GetAsync();
}

/// <summary>Pipeline counters of one silo, or of the cluster once summed.</summary>
/// <param name="EventsProcessed">Events taken off the partition streams for the first time (duplicates included).</param>
/// <param name="DuplicatesDropped">Of those, resends of an eventId already counted.</param>
/// <param name="ReplaysSkipped">Events seen again at or below a grain's applied watermark (redeliveries).</param>
/// <param name="EventsRejected">Invalid messages the stream provider rejected (dead-lettered).</param>
/// <param name="EventsPerSecond">Events processed per second over the last few seconds.</param>
[GenerateSerializer, Immutable]
public sealed record PipelineStatsSnapshot(
    [property: Id(0)] long EventsProcessed,
    [property: Id(1)] long DuplicatesDropped,
    [property: Id(2)] long ReplaysSkipped,
    [property: Id(3)] long EventsRejected,
    [property: Id(4)] double EventsPerSecond,
    [property: Id(5)] PartitionProgress[] Partitions,
    [property: Id(6)] int Silos)
{
    public static PipelineStatsSnapshot Empty { get; } = new(0, 0, 0, 0, 0, [], 0);

    /// <summary>Adds another silo's figures; partitions are reported by whichever silo reads them.</summary>
    public PipelineStatsSnapshot Add(PipelineStatsSnapshot other) => new(
        EventsProcessed + other.EventsProcessed,
        DuplicatesDropped + other.DuplicatesDropped,
        ReplaysSkipped + other.ReplaysSkipped,
        EventsRejected + other.EventsRejected,
        EventsPerSecond + other.EventsPerSecond,
        [.. Partitions.Concat(other.Partitions).OrderBy(p => p.Partition)],
        Silos + other.Silos);
}

/// <summary>Where the consumer of one partition stands; filled by the stream provider.</summary>
[GenerateSerializer, Immutable]
public sealed record PartitionProgress(
    [property: Id(0)] int Partition,
    [property: Id(1)] long CommittedOffset,
    [property: Id(2)] long Lag);
