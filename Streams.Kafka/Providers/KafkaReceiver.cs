using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Encore.Streams.Kafka.Checkpoints;
using Encore.Streams.Kafka.Diagnostics;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// Reads one Kafka partition for one Orleans queue. A dedicated thread owns the consumer: it polls into a
/// bounded buffer, pauses the partition when the buffer is full and resumes it at half, seeks when the
/// agent's side asks for a rewind, and commits the offsets the agent's side has found safe. The Orleans
/// balancer owns placement; the consumer group only stores offsets, so the partition is assigned, never
/// subscribed.
/// </summary>
/// <remarks>
/// Rewinds come from the queue's <see cref="KafkaQueueCache"/>: a cursor that needs messages older than
/// the cache holds, or every cursor when a consumer asked for a replay. Each rewind starts a new read
/// epoch; messages the poll thread read in an older epoch are dropped, so the agent only ever sees the
/// partition in offset order from the latest rewind on.
/// </remarks>
internal sealed partial class KafkaReceiver : IQueueAdapterReceiver
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>How often decoding one message may throw before the message is rejected as undecodable.</summary>
    internal const int MaxDecodeAttempts = 3;

    private readonly KafkaProviderContext _context;
    private readonly int _partition;
    private readonly TopicPartition _topicPartition;
    private readonly ILogger _logger;
    private readonly KafkaQueueCache _cache;
    private readonly ConcurrentQueue<(int Epoch, ConsumeResult<byte[], byte[]> Message)> _buffer = new();
    private readonly TaskCompletionSource<long> _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _pollThread;
    private int _buffered;

    // Read and written by the agent side (GetQueueMessagesAsync, MessagesDeliveredAsync, Shutdown), one call at a time.
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

    // The latest rewind, published by the agent side to the poll thread, which seeks.
    private Rewind? _rewind;

    // Handed from the agent side to the poll thread, which alone commits.
    private long _commitRequested = -1;
    private long _committed = -1;

    public KafkaReceiver(KafkaProviderContext context, QueueId queueId, KafkaQueueCache cache)
    {
        _context = context;
        _cache = cache;
        _partition = KafkaQueueMapper.PartitionOf(queueId);
        _topicPartition = new TopicPartition(context.Topic, _partition);
        _logger = context.LoggerFactory.CreateLogger<KafkaReceiver>();
    }

    public async Task Initialize(TimeSpan timeout)
    {
        _pollThread = new Thread(Poll) { IsBackground = true, Name = $"kafka-{_context.ProviderName}-{_partition}" };
        _pollThread.Start();
        using var timeoutCts = new CancellationTokenSource(timeout);
        _startOffset = await _assigned.Task.WaitAsync(timeoutCts.Token);
        _decodedUpTo = _startOffset;
        _cache.Start(_startOffset);
        _epochTag = _context.Options.CheckpointMode == CheckpointMode.Delivered ? default(ReplayTicket) : null;
        _started = true;
        _nextCheckpoint = DateTime.UtcNow + _context.Options.CheckpointInterval;
        LogAssigned(_logger, _context.Topic, _partition, _startOffset);
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
        var batches = new List<IBatchContainer>(Math.Min(count, _buffered));
        List<(long Offset, string Reason, Task Written)>? deadLetters = null;
        var accepted = 0;
        using var read = KafkaTracing.StartRead(_context.Topic, _partition, Volatile.Read(ref _buffered));

        // What this read started from: a failure below rewinds to it, and it is all read again.
        var readFrom = -1L;
        var decodedBefore = _decodedUpTo;
        var acceptedBefore = _lastAccepted;
        while (batches.Count < count && _buffer.TryDequeue(out var entry))
        {
            var (epoch, message) = entry;
            Interlocked.Decrement(ref _buffered);
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
                LogDecodeFailed(_logger, e, _context.Topic, _partition, message.Offset.Value);
                return RewindRead(readFrom, decodedBefore, acceptedBefore);
            }

            _decodedUpTo = Math.Max(_decodedUpTo, message.Offset.Value + 1);
            if (result.Batch is { } batch)
            {
                batches.Add(batch is KafkaBatchContainer kafkaBatch ? kafkaBatch.InEpoch(epochTag) : batch);
                _lastAccepted = Math.Max(_lastAccepted, message.Offset.Value);
                accepted += firstRead ? 1 : 0;
            }
            else if (firstRead)
            {
                var reason = result.RejectReason ?? "rejected";
                LogRejected(_logger, _context.Topic, _partition, message.Offset.Value, reason);
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
                LogDeadLetterFailed(_logger, e, _context.Topic, _partition, deadLetters.Min(d => d.Offset));
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
                LogCheckpointFailed(_logger, e, _context.Topic, _partition);
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

        Volatile.Write(ref _rewind, new Rewind(_epoch, from));
        LogRewinding(_logger, _context.Topic, _partition, from);
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
            LogCheckpointFailed(_logger, e, _context.Topic, _partition);
        }

        _stop.Cancel();
        if (_pollThread is { } thread)
        {
            await Task.Run(() => thread.Join(timeout));
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
                var committed = Volatile.Read(ref _committed);
                LogReplayRequested(_logger, _context.Topic, _partition);
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

        InterlockedMax(ref _commitRequested, safe);
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
            LogCheckpointFailed(_logger, e, _context.Topic, _partition);
        }
    }

    private StreamId StreamIdOf(ConsumeResult<byte[], byte[]> message) => _context.Options.StreamKeyMode switch
    {
        StreamKeyMode.PerKey => StreamId.Create(Encoding.UTF8.GetBytes(_context.Options.StreamNamespace), message.Message.Key ?? []),
        _ => StreamId.Create(_context.Options.StreamNamespace, _partition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private void Poll()
    {
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            consumer = _context.CreateConsumer();
            var committed = consumer.Committed([_topicPartition], TimeSpan.FromSeconds(30)).Single().Offset;
            var start = committed.IsSpecial ? StartOffset(consumer) : committed.Value;
            _committed = committed.IsSpecial ? -1 : committed.Value;
            consumer.Assign(new TopicPartitionOffset(_topicPartition, start));
            _assigned.TrySetResult(start);
            PollUntilStopped(consumer);
        }
        catch (Exception e) when (!_assigned.Task.IsCompleted)
        {
            _assigned.TrySetException(new KafkaException(new Error(Confluent.Kafka.ErrorCode.Local_Fail,
                $"partition {_partition} of topic '{_context.Topic}' could not be assigned: {e.Message}")));
        }
        catch (Exception e)
        {
            LogPollFailed(_logger, e, _context.Topic, _partition);
        }
        finally
        {
            if (consumer is not null)
            {
                Commit(consumer);
                consumer.Close();
                consumer.Dispose();
            }
        }
    }

    private long StartOffset(IConsumer<byte[], byte[]> consumer)
    {
        var watermarks = consumer.QueryWatermarkOffsets(_topicPartition, TimeSpan.FromSeconds(30));
        return _context.Options.StartFrom == AutoOffsetReset.Latest ? watermarks.High.Value : watermarks.Low.Value;
    }

    private void PollUntilStopped(IConsumer<byte[], byte[]> consumer)
    {
        var paused = false;
        var epoch = 0;
        var max = _context.Options.MaxBufferedMessages;
        var nextReport = DateTime.MinValue;
        while (!_stop.IsCancellationRequested)
        {
            Commit(consumer);
            if (Volatile.Read(ref _rewind) is { } rewind && rewind.Epoch != epoch && Seek(consumer, rewind.From))
            {
                epoch = rewind.Epoch;
                if (paused)
                {
                    consumer.Resume([_topicPartition]);
                    paused = false;
                }
            }

            if (!paused && Volatile.Read(ref _buffered) >= max)
            {
                consumer.Pause([_topicPartition]);
                paused = true;
                LogPaused(_logger, _context.Topic, _partition, max);
            }
            else if (paused && Volatile.Read(ref _buffered) <= max / 2)
            {
                consumer.Resume([_topicPartition]);
                paused = false;
                LogResumed(_logger, _context.Topic, _partition);
            }

            if (DateTime.UtcNow >= nextReport || paused)
            {
                nextReport = DateTime.UtcNow.AddMilliseconds(200);
                var high = consumer.GetWatermarkOffsets(_topicPartition).High;
                _context.Statistics.Report(new PartitionProgress(
                    _partition, Volatile.Read(ref _committed), high.IsSpecial ? 0 : high.Value, Volatile.Read(ref _buffered), paused));
            }

            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(PollTimeout);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                LogConsumeError(_logger, _context.Topic, _partition, e.Error.Reason);
                continue;
            }

            if (result is { IsPartitionEOF: false, Message: not null })
            {
                _buffer.Enqueue((epoch, result));
                Interlocked.Increment(ref _buffered);
            }
        }
    }

    /// <summary>
    /// Moves the read position to <paramref name="from"/> (or the oldest message Kafka still has) and drops
    /// what was read ahead. False when the seek failed; it is tried again on the next loop.
    /// </summary>
    private bool Seek(IConsumer<byte[], byte[]> consumer, long from)
    {
        try
        {
            var low = consumer.QueryWatermarkOffsets(_topicPartition, TimeSpan.FromSeconds(10)).Low;
            consumer.Seek(new TopicPartitionOffset(_topicPartition, low.IsSpecial ? from : Math.Max(from, low.Value)));
        }
        catch (KafkaException e)
        {
            LogSeekFailed(_logger, _context.Topic, _partition, from, e.Error.Reason);
            return false;
        }

        while (_buffer.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _buffered);
        }

        return true;
    }

    private void Commit(IConsumer<byte[], byte[]> consumer)
    {
        var requested = Volatile.Read(ref _commitRequested);
        if (requested <= _committed)
        {
            return;
        }

        try
        {
            consumer.Commit([new TopicPartitionOffset(_topicPartition, requested)]);
            Volatile.Write(ref _committed, requested);
        }
        catch (KafkaException e)
        {
            // Retried on the next loop; the committed offset only lags.
            LogCommitFailed(_logger, _context.Topic, _partition, requested, e.Error.Reason);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Reading {Topic}[{Partition}] from offset {Offset}")]
    private static partial void LogAssigned(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(2, LogLevel.Warning, "Rejected {Topic}[{Partition}]@{Offset}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string topic, int partition, long offset, string? reason);

    [LoggerMessage(3, LogLevel.Information, "Paused {Topic}[{Partition}]: {Buffered} messages read ahead")]
    private static partial void LogPaused(ILogger logger, string topic, int partition, int buffered);

    [LoggerMessage(4, LogLevel.Information, "Resumed {Topic}[{Partition}]")]
    private static partial void LogResumed(ILogger logger, string topic, int partition);

    [LoggerMessage(5, LogLevel.Warning, "Consuming {Topic}[{Partition}] failed: {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string topic, int partition, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Committing {Topic}[{Partition}] at {Offset} failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Reading the checkpoint of {Topic}[{Partition}] failed; not committing this time")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception e, string topic, int partition);

    [LoggerMessage(9, LogLevel.Information, "A consumer of {Topic}[{Partition}] asked for a replay")]
    private static partial void LogReplayRequested(ILogger logger, string topic, int partition);

    [LoggerMessage(10, LogLevel.Information, "Reading {Topic}[{Partition}] again from offset {Offset}")]
    private static partial void LogRewinding(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(11, LogLevel.Warning, "Seeking {Topic}[{Partition}] to {Offset} failed: {Reason}")]
    private static partial void LogSeekFailed(ILogger logger, string topic, int partition, long offset, string reason);

    /// <summary>Read epoch <paramref name="Epoch"/> starts at offset <paramref name="From"/>.</summary>
    private sealed record Rewind(int Epoch, long From);

    [LoggerMessage(12, LogLevel.Warning, "Decoding {Topic}[{Partition}]@{Offset} failed; reading again from the start of this read")]
    private static partial void LogDecodeFailed(ILogger logger, Exception e, string topic, int partition, long offset);

    [LoggerMessage(13, LogLevel.Warning, "Dead-lettering {Topic}[{Partition}]@{Offset} failed; reading again from the start of this read")]
    private static partial void LogDeadLetterFailed(ILogger logger, Exception e, string topic, int partition, long offset);

    [LoggerMessage(8, LogLevel.Error, "The poll loop of {Topic}[{Partition}] stopped")]
    private static partial void LogPollFailed(ILogger logger, Exception e, string topic, int partition);
}
