using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// Everything that crosses between a <see cref="KafkaReceiver"/> (the pulling agent's side) and its
/// <see cref="PartitionPoller"/> (the part of the silo's <see cref="KafkaPollLoop"/> that reads this partition). Nothing else is
/// shared between the two, and every member here is safe to call from either thread.
/// </summary>
internal sealed class PollChannel
{
    private readonly ConcurrentQueue<ReadMessage> _readAhead = new();
    private readonly TaskCompletionSource<long> _assignment = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _buffered;
    private Rewind? _rewind;
    private long _commitRequested = -1;
    private long _committed = -1;

    // --- poll thread to agent ---------------------------------------------------------------------

    /// <summary>The offset the poll thread starts reading at, once the partition is assigned.</summary>
    public Task<long> Assignment => _assignment.Task;

    /// <summary>The partition is assigned from <paramref name="startOffset"/>; <paramref name="committed"/> is -1 when nothing was committed yet.</summary>
    public void Assigned(long startOffset, long committed)
    {
        Volatile.Write(ref _committed, committed);
        _assignment.TrySetResult(startOffset);
    }

    public void AssignmentFailed(Exception exception) => _assignment.TrySetException(exception);

    /// <summary>The poll thread committed once more and let go of the partition (or stopped altogether).</summary>
    public Task Release => _released.Task;

    public void Released() => _released.TrySetResult();

    /// <summary>A message read ahead in read epoch <paramref name="epoch"/>.</summary>
    public void AddReadAhead(int epoch, ConsumeResult<byte[], byte[]> message)
    {
        _readAhead.Enqueue(new ReadMessage(epoch, message));
        Interlocked.Increment(ref _buffered);
    }

    /// <summary>Drops everything read ahead (the poll thread has just sought elsewhere).</summary>
    public void DropReadAhead()
    {
        while (_readAhead.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _buffered);
        }
    }

    /// <summary>The offset Kafka last accepted a commit of (-1: none yet).</summary>
    public long Committed => Volatile.Read(ref _committed);

    public void PublishCommitted(long offset) => Volatile.Write(ref _committed, offset);

    // --- agent to poll thread ---------------------------------------------------------------------

    /// <summary>Messages read ahead and not yet taken.</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    public bool TryTake(out ReadMessage message)
    {
        if (!_readAhead.TryDequeue(out message))
        {
            return false;
        }

        Interlocked.Decrement(ref _buffered);
        return true;
    }

    /// <summary>The latest rewind asked for; the poll thread seeks once per new epoch.</summary>
    public Rewind? LatestRewind => Volatile.Read(ref _rewind);

    public void RequestRewind(Rewind rewind) => Volatile.Write(ref _rewind, rewind);

    /// <summary>The highest offset the agent's side found safe to commit (-1: none).</summary>
    public long CommitRequested => Volatile.Read(ref _commitRequested);

    /// <summary>Asks the poll thread to commit <paramref name="offset"/>; a lower request than an earlier one is ignored.</summary>
    public void RequestCommit(long offset)
    {
        var current = Volatile.Read(ref _commitRequested);
        while (offset > current)
        {
            var seen = Interlocked.CompareExchange(ref _commitRequested, offset, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public bool IsStopRequested => _stop.IsCancellationRequested;

    public void Stop() => _stop.Cancel();
}

/// <summary>A message read ahead, with the read epoch it was read in.</summary>
internal readonly record struct ReadMessage(int Epoch, ConsumeResult<byte[], byte[]> Message);

/// <summary>Read epoch <paramref name="Epoch"/> starts at offset <paramref name="From"/>.</summary>
internal sealed record Rewind(int Epoch, long From);
