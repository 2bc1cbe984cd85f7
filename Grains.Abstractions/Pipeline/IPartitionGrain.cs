using Orleans.Concurrency;

namespace Encore.Pipeline;

/// <summary>
/// One per Kafka partition, keyed on the partition number: consumes that partition's stream in
/// batches (an implicit subscription on <see cref="Constants.PartitionStreamNamespace"/>), feeds the
/// user, track and trending grains, and declares how far the partition's effects are durable.
/// </summary>
public interface IPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Tells the partition grain that <paramref name="grain"/>, which it fed earlier, has now made
    /// durable its effects of every message of this partition below <paramref name="nextOffset"/>.
    /// One-way, so a grain reporting from its persist timer never waits on a partition grain that is
    /// itself awaiting that grain.
    /// </summary>
    [OneWay]
    Task ReportDurableAsync(GrainId grain, long nextOffset);

    /// <summary>How far the partition has been processed and declared durable.</summary>
    Task<PartitionStatus> GetStatusAsync();
}

/// <summary>Progress of one partition grain.</summary>
/// <param name="NextOffset">One past the highest offset processed, or -1 before the first batch.</param>
/// <param name="DeclaredNextOffset">The last offset declared durable to the checkpoint, or -1.</param>
/// <param name="UndurableGrains">Grains still holding effects of this partition only in memory.</param>
[GenerateSerializer, Immutable]
public sealed record PartitionStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] long NextOffset,
    [property: Id(2)] long DeclaredNextOffset,
    [property: Id(3)] int UndurableGrains,
    [property: Id(4)] long EventsProcessed,
    [property: Id(5)] long DuplicatesDropped,
    [property: Id(6)] long ReplaysSkipped);
