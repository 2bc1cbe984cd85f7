namespace Encore.Stats;

/// <summary>In-memory counters of one silo, with events per second over the last complete seconds.</summary>
public sealed class PipelineStats(TimeProvider time) : IPipelineStats
{
    private const int RateSeconds = 5;
    private const int Ring = RateSeconds + 2;

    private readonly Lock _lock = new();
    private readonly long[] _ringSecond = new long[Ring];
    private readonly long[] _ringCount = new long[Ring];
    private readonly SortedDictionary<int, PartitionProgress> _partitions = [];
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

    public void RecordRejected(int count)
    {
        lock (_lock)
        {
            _rejected += count;
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
