using System.Collections.Concurrent;

namespace Encore.Streams.Kafka.Statistics;

/// <summary>Progress of one partition as its receiver on this silo last saw it.</summary>
[GenerateSerializer, Immutable]
public sealed record PartitionProgress(
    [property: Id(0)] int Partition,
    [property: Id(1)] long CommittedOffset,
    [property: Id(2)] long HighWatermark,
    [property: Id(3)] int Buffered,
    [property: Id(4)] bool Paused)
{
    /// <summary>Messages in the partition not yet committed.</summary>
    public long Lag => Math.Max(0, HighWatermark - Math.Max(0, CommittedOffset));
}

/// <summary>A silo's counters for one Kafka stream provider.</summary>
[GenerateSerializer, Immutable]
public sealed record KafkaStreamCounters(
    [property: Id(0)] long Accepted,
    [property: Id(1)] long Rejected,
    [property: Id(2)] IReadOnlyList<PartitionProgress> Partitions);

/// <summary>
/// The counters of one provider on this silo: messages accepted and rejected, and each partition
/// this silo reads. Read it from DI as a keyed singleton under the provider name.
/// </summary>
public sealed class KafkaStreamStatistics
{
    private readonly ConcurrentDictionary<int, PartitionProgress> _partitions = new();
    private long _accepted;
    private long _rejected;

    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);

    internal void CountAccepted(int count) => Interlocked.Add(ref _accepted, count);
    internal void CountRejected(int count) => Interlocked.Add(ref _rejected, count);
    internal void Report(PartitionProgress progress) => _partitions[progress.Partition] = progress;
    internal void Forget(int partition) => _partitions.TryRemove(partition, out _);

    public KafkaStreamCounters Snapshot() =>
        new(Accepted, Rejected, [.. _partitions.Values.OrderBy(p => p.Partition)]);
}
