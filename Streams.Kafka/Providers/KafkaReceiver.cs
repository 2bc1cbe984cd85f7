using System.Text;
using Confluent.Kafka;
using Encore.Streams.Kafka.Checkpoints;
using Encore.Streams.Kafka.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// Reads one Kafka partition for one Orleans queue: decodes what the poll thread read ahead, hands it to
/// the pulling agent, dead-letters rejected messages and decides which offset is safe to commit. Its
/// members run on the agent's side, one call at a time. The Kafka consumer is never touched here: it
/// belongs to the silo's <see cref="KafkaPollLoop"/> on a dedicated thread, and the two share nothing
/// but a <see cref="PollChannel"/>. The Orleans balancer owns placement; the consumer group only stores
/// offsets, so the partition is assigned, never subscribed.
/// </summary>
/// <remarks>
/// Rewinds come from the queue's <see cref="KafkaQueueCache"/>: a cursor that needs messages older than
/// the cache holds, or every cursor when a consumer asked for a replay. Each rewind starts a new read
/// epoch; messages the poll thread read in an older epoch are dropped, so the agent only ever sees the
/// partition in offset order from the latest rewind on.
/// </remarks>
internal sealed class KafkaReceiver : IQueueAdapterReceiver
{
    /// <summary>How often decoding one message may throw before the message is rejected as undecodable.</summary>
    internal const int MaxDecodeAttempts = 3;

    private readonly KafkaProviderContext _context;
    private readonly int _partition;
    private readonly ILogger _logger;
    private readonly KafkaQueueCache _cache;
    private readonly PollChannel _channel = new();
    private bool _started;
    private long _startOffset;
    private long _decodedUpTo;
    private long _lastAccepted = -1;
    private long _delivered = -1;
    private int _epoch;
    private DateTime _nextCheckpoint;
    private ReplayTicket? _ticketSeen;
    private (long Offset, int Count) _decodeFailures;

    // The replay epoch of the current read (null until known), and the one the next rewind starts.
    private ReplayTicket? _epochTag;
    private ReplayTicket? _nextEpochTag;

    public KafkaReceiver(KafkaProviderContext context, QueueId queueId, KafkaQueueCache cache)
    {
        _context = context;
        _cache = cache;
        _partition = KafkaQueueMapper.PartitionOf(queueId);
        _logger = context.LoggerFactory.CreateLogger<KafkaReceiver>();
    }

    public async Task Initialize(TimeSpan timeout)
    {
        _context.PollLoop.Join(_partition, _channel);
        using var timeoutCts = new CancellationTokenSource(timeout);
        try
        {
            _startOffset = await _channel.Assignment.WaitAsync(timeoutCts.Token);
        }
        catch
        {
            // Orleans makes a new receiver for the queue later; this one must not keep the partition.
            _channel.Stop();
            throw;
        }

        _decodedUpTo = _startOffset;
        _cache.Start(_startOffset);
        _epochTag = _context.Options.CheckpointMode == CheckpointMode.Delivered ? default(ReplayTicket) : null;
        _started = true;
        _nextCheckpoint = DateTime.UtcNow + _context.Options.CheckpointInterval;
        ReceiverLog.Assigned(_logger, _context.Topic, _partition, _startOffset);
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        if (!_started)
        {
            return [];
        }

        if (_cache.TakeRewind() is { } from)
        {
            StartRewind(from);
        }

        if (_epochTag is not { } epochTag)
        {
            // Nothing is handed over before the read's epoch is known: a consumer fencing off old
            // reads would drop it, and it would not be read again.
            await LearnEpochAsync();
            return [];
        }

        var count = Math.Min(maxCount < 0 ? int.MaxValue : maxCount, _context.Options.MaxBatchSize);
        var batches = new List<IBatchContainer>(Math.Min(count, _channel.Buffered));
        List<(long Offset, string Reason, Task Written)>? deadLetters = null;
        var accepted = 0;
        using var read = KafkaTracing.StartRead(_context.Topic, _partition, _channel.Buffered);

        // What this read started from: a failure below rewinds to it, and it is all read again.
        var readFrom = -1L;
        var decodedBefore = _decodedUpTo;
        var acceptedBefore = _lastAccepted;
        while (batches.Count < count && _channel.TryTake(out var entry))
        {
            var (epoch, message) = entry;
            if (epoch != _epoch)
            {
                continue;
            }

            readFrom = readFrom < 0 ? message.Offset.Value : readFrom;

            // Read again after a rewind: counted, and dead-lettered if rejected, the first time already.
            var firstRead = message.Offset.Value >= _decodedUpTo;
            KafkaDecodeResult result;
            try
            {
                result = Decode(message);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                ReceiverLog.DecodeFailed(_logger, e, _context.Topic, _partition, message.Offset.Value);
                return RewindRead(readFrom, decodedBefore, acceptedBefore);
            }

            _decodedUpTo = Math.Max(_decodedUpTo, message.Offset.Value + 1);
            if (result.IsAccepted)
            {
                batches.Add(ContainerOf(result, message.Offset.Value, epochTag));
                _lastAccepted = Math.Max(_lastAccepted, message.Offset.Value);
                accepted += firstRead ? 1 : 0;
            }
            else if (firstRead)
            {
                var reason = result.RejectReason ?? "rejected";
                ReceiverLog.Rejected(_logger, _context.Topic, _partition, message.Offset.Value, reason);
                (deadLetters ??= []).Add((message.Offset.Value, reason, WriteDeadLetterAsync(message, reason)));
            }
        }

        // A rejected message's offset may only be committed once its dead-letter copy is written. When
        // that fails (the broker is away), nothing of this read is handed over: it is all read again.
        if (deadLetters is not null)
        {
            try
            {
                await Task.WhenAll(deadLetters.Select(d => d.Written));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                ReceiverLog.DeadLetterFailed(_logger, e, _context.Topic, _partition, deadLetters.Min(d => d.Offset));
                return RewindRead(readFrom, decodedBefore, acceptedBefore);
            }

            _context.Statistics.CountRejected(deadLetters.Select(d => d.Reason));
        }

        _context.Statistics.CountAccepted(accepted);
        if (DateTime.UtcNow >= _nextCheckpoint)
        {
            _nextCheckpoint = DateTime.UtcNow + _context.Options.CheckpointInterval;
            try
            {
                await RequestCheckpointAsync();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The messages are already taken from the buffer: failing the read would lose them.
                // Not committing this time only makes the committed offset lag.
                ReceiverLog.CheckpointFailed(_logger, e, _context.Topic, _partition);
            }
        }

        // A rewind asked for while this read awaited: these messages come again from the new position.
        return _cache.PendingRewind is null ? KafkaTracing.Stamp(read, batches) : [];
    }

    /// <summary>
    /// Decodes a message. A data adapter must not throw; one that does for the same message
    /// <see cref="MaxDecodeAttempts"/> times in a row has that message rejected, so it cannot stop the partition.
    /// </summary>
    private KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message)
    {
        try
        {
            var result = _context.DataAdapter.Decode(message, StreamIdOf(message));
            // Only the message that failed clears its count: the messages before it decode again on every rewind.
            if (message.Offset.Value == _decodeFailures.Offset)
            {
                _decodeFailures = default;
            }

            return result;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var failures = _decodeFailures.Offset == message.Offset.Value ? _decodeFailures.Count + 1 : 1;
            _decodeFailures = (message.Offset.Value, failures);
            if (failures < MaxDecodeAttempts)
            {
                throw;
            }

            _decodeFailures = default;
            return KafkaDecodeResult.Reject($"decoding failed {failures} times: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>An accepted message's events in a container of the read's epoch: made here, or the adapter's own made again in it.</summary>
    private static IBatchContainer ContainerOf(KafkaDecodeResult result, long offset, ReplayTicket epoch) => result switch
    {
        { Events: { } events } => new KafkaBatchContainer(result.StreamId, events, offset, epoch, result.RequestContext),
        { Batch: KafkaBatchContainer kafkaBatch } => kafkaBatch.InEpoch(epoch),
        _ => result.Batch!,
    };

    /// <summary>Writes a dead letter; a producer that throws at once fails the same way as one whose write fails later.</summary>
    private Task WriteDeadLetterAsync(ConsumeResult<byte[], byte[]> message, string reason)
    {
        try
        {
            return _context.DeadLetter(message, reason);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>
    /// Hands nothing of the current read over and reads it again from <paramref name="from"/>, as if it
    /// had never been decoded: nothing taken from the buffer is lost when decoding or dead-lettering fails.
    /// </summary>
    private List<IBatchContainer> RewindRead(long from, long decodedBefore, long acceptedBefore)
    {
        _decodedUpTo = decodedBefore;
        _lastAccepted = acceptedBefore;
        StartRewind(from);
        return [];
    }

    /// <summary>A new read epoch from <paramref name="from"/>: the poll thread seeks, older reads are dropped.</summary>
    private void StartRewind(long from)
    {
        _epoch++;
        if (_nextEpochTag is { } tag)
        {
            _epochTag = tag;
            _nextEpochTag = null;
        }

        _channel.RequestRewind(new Rewind(_epoch, from));
        ReceiverLog.Rewinding(_logger, _context.Topic, _partition, from);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages)
    {
        foreach (var message in messages)
        {
            _delivered = Math.Max(_delivered, message.SequenceToken.SequenceNumber + 1);
        }

        return Task.CompletedTask;
    }

    public async Task Shutdown(TimeSpan timeout)
    {
        // Hand-over to another silo or shutdown: commit what is safe before letting go of the partition.
        try
        {
            await RequestCheckpointAsync().WaitAsync(timeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            ReceiverLog.CheckpointFailed(_logger, e, _context.Topic, _partition);
        }

        _channel.Stop();
        try
        {
            await _channel.Release.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            // The poll thread lets go of the partition when it next comes round; the commit may lag.
        }

        _context.Statistics.Forget(_partition);
    }

    /// <summary>
    /// The offset below which every message's effects are durable. A consumer's declaration (or, in
    /// <see cref="CheckpointMode.Delivered"/>, the cache's purge) covers the accepted messages below it;
    /// rejected messages have no effects, so once every accepted message is covered the whole decoded
    /// range is safe.
    /// </summary>
    private async Task RequestCheckpointAsync()
    {
        long? covered;
        if (_context.Options.CheckpointMode == CheckpointMode.Delivered)
        {
            covered = _delivered >= 0 ? _delivered : null;
        }
        else
        {
            var state = await KafkaCheckpoint.Get(_context.GrainFactory, _context.ProviderName, _partition).GetStateAsync();
            covered = state.DurableOffset;
            // A consumer asked for a replay, or the checkpoint grain is a new activation (its silo died):
            // it forgot the declarations, and so may the consumer that made them.
            var replay = _ticketSeen is { } seen && seen != state.Ticket;
            _ticketSeen = state.Ticket;
            if (replay)
            {
                // No commit in this round: the declaration may come from a consumer that cannot see what
                // a dead grain lost (a new activation), and the replay must start below that loss. Every
                // effect below the committed offset is durable, so the replay starts there.
                var committed = _channel.Committed;
                ReceiverLog.ReplayRequested(_logger, _context.Topic, _partition);
                _cache.RewindAll(committed >= 0 ? committed : _startOffset);
                _nextEpochTag = state.Ticket;
                return;
            }
        }

        long safe;
        if (_lastAccepted < _startOffset || covered > _lastAccepted)
        {
            safe = _decodedUpTo;
        }
        else if (covered is { } c && c > _startOffset)
        {
            safe = c;
        }
        else
        {
            return;
        }

        _channel.RequestCommit(safe);
    }

    /// <summary>
    /// A receiver reads from the committed offset when it starts, which satisfies every replay asked
    /// for so far: its first read's epoch is the checkpoint grain's state before anything is handed over.
    /// </summary>
    private async Task LearnEpochAsync()
    {
        try
        {
            var state = await KafkaCheckpoint.Get(_context.GrainFactory, _context.ProviderName, _partition).GetStateAsync();
            _ticketSeen = _epochTag = state.Ticket;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            ReceiverLog.CheckpointFailed(_logger, e, _context.Topic, _partition);
        }
    }

    private StreamId StreamIdOf(ConsumeResult<byte[], byte[]> message) => _context.Options.StreamKeyMode switch
    {
        StreamKeyMode.PerKey => StreamId.Create(Encoding.UTF8.GetBytes(_context.Options.StreamNamespace), message.Message.Key ?? []),
        _ => StreamId.Create(_context.Options.StreamNamespace, _partition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };
}
