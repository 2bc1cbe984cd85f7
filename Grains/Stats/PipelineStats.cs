namespace Encore.Stats;

/// <summary>In-memory counters of one silo, with events per second over the last complete seconds.</summary>
public sealed class PipelineStats(TimeProvider time) : IPipelineStats
{
    /// <summary>The reason of valid events whose grain could not apply them (dead-lettered after replays).</summary>
    public const string ApplyFailedReason = "ApplyFailed";

    /// <summary>The reason of rejections whose reason names no known kind.</summary>
    public const string OtherReason = "Other";

    private const int RateSeconds = 5;
    private const int Ring = RateSeconds + 2;

    private readonly Lock _lock = new();
    private readonly long[] _ringSecond = new long[Ring];
    private readonly long[] _ringCount = new long[Ring];
    private readonly SortedDictionary<int, PartitionProgress> _partitions = [];
    // Every known reason from the start, at 0, so that a dashboard shows a series per reason before the first rejection.
    private readonly SortedDictionary<string, long> _rejectedByReason = new(
        Enum.GetNames<Events.RejectReason>().Append(OtherReason).Append(ApplyFailedReason).ToDictionary(r => r, _ => 0L), StringComparer.Ordinal);
    private long _processed;
    private long _duplicates;
    private long _replays;
    private long _rejected;

    public void RecordProcessed(int events, int duplicates, int replays)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_lock)
        {
            _processed += events;
            _duplicates += duplicates;
            _replays += replays;
            var slot = (int)(second % Ring);
            if (_ringSecond[slot] != second)
            {
                _ringSecond[slot] = second;
                _ringCount[slot] = 0;
            }

            _ringCount[slot] += events;
        }
    }

    public void RecordRejected(string reason, int count)
    {
        if (count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _rejected += count;
            _rejectedByReason[reason] = _rejectedByReason.GetValueOrDefault(reason) + count;
        }
    }

    public void RecordRejected(int count) => RecordRejected(ApplyFailedReason, count);

    public IReadOnlyList<(string Reason, long Count)> RejectedByReason()
    {
        lock (_lock)
        {
            return [.. _rejectedByReason.Select(r => (r.Key, r.Value))];
        }
    }

    public void SetPartitionProgress(int partition, long committedOffset, long lag)
    {
        lock (_lock)
        {
            _partitions[partition] = new PartitionProgress(partition, committedOffset, lag);
        }
    }

    public void RemovePartition(int partition)
    {
        lock (_lock)
        {
            _partitions.Remove(partition);
        }
    }

    public PipelineStatsSnapshot Snapshot()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_lock)
        {
            // The current second is still filling up: rate over the complete seconds before it.
            long recent = 0;
            for (var i = 0; i < Ring; i++)
            {
                if (_ringSecond[i] < now && _ringSecond[i] >= now - RateSeconds)
                {
                    recent += _ringCount[i];
                }
            }

            return new PipelineStatsSnapshot(
                _processed, _duplicates, _replays, _rejected, (double)recent / RateSeconds, [.. _partitions.Values], 1);
        }
    }
}
