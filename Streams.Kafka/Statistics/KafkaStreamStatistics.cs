using System.Buffers;
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
/// The counters of one provider on this silo: messages accepted and rejected (also by the kind of
/// their reason), and each partition this silo reads. Read it from DI as a keyed singleton under the
/// provider name.
/// </summary>
public sealed class KafkaStreamStatistics
{
    /// <summary>The kind of a rejection whose reason does not start with one word and a colon.</summary>
    public const string OtherReason = "Other";

    private static readonly SearchValues<char> WordCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private readonly ConcurrentDictionary<int, PartitionProgress> _partitions = new();
    private readonly ConcurrentDictionary<string, long> _rejectedByKind = new(StringComparer.Ordinal);
    private long _accepted;
    private long _rejected;

    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);

    internal void CountAccepted(int count) => Interlocked.Add(ref _accepted, count);

    /// <summary>Counts rejections; each reason is counted under its kind (<see cref="ReasonKind"/>).</summary>
    internal void CountRejected(IEnumerable<string> reasons)
    {
        foreach (var reason in reasons)
        {
            _rejectedByKind.AddOrUpdate(ReasonKind(reason), 1, static (_, count) => count + 1);
            Interlocked.Increment(ref _rejected);
        }
    }

    internal void Report(PartitionProgress progress) => _partitions[progress.Partition] = progress;
    internal void Forget(int partition) => _partitions.TryRemove(partition, out _);

    public KafkaStreamCounters Snapshot() =>
        new(Accepted, Rejected, [.. _partitions.Values.OrderBy(p => p.Partition)]);

    /// <summary>Rejections so far by the kind of their reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByKind() => new Dictionary<string, long>(_rejectedByKind, StringComparer.Ordinal);

    /// <summary>
    /// The word a data adapter's reason starts with, before a colon ("NotJson: ..." is NotJson): a
    /// short, bounded name to count by, where the reason itself holds details. Anything else is <see cref="OtherReason"/>.
    /// </summary>
    public static string ReasonKind(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon <= 64 && !reason.AsSpan(0, colon).ContainsAnyExcept(WordCharacters) ? reason[..colon] : OtherReason;
    }
}
