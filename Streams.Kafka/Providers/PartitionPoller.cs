using Confluent.Kafka;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.Logging;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// One partition's side of the <see cref="KafkaPollLoop"/>: assigns the partition to the shared
/// consumer, moves what the consumer read into the <see cref="PollChannel"/>'s read-ahead, pauses the
/// partition when that is full and resumes it at half, seeks when the agent's side asks for a rewind,
/// commits what the agent's side found safe, and lets go of the partition when asked to stop. Every
/// member runs on the poll thread; every field is the poll thread's own.
/// </summary>
internal sealed class PartitionPoller(KafkaProviderContext context, int partition, PollChannel channel, ILogger logger)
{
    private readonly TopicPartition _topicPartition = new(context.Topic, partition);
    private long _committed = -1;
    private bool _paused;
    private int _epoch;
    private DateTime _nextReport = DateTime.MinValue;

    public int Partition => partition;

    public PollChannel Channel => channel;

    /// <summary>
    /// Adds the partition to the consumer's assignment, from the committed offset (or where
    /// <see cref="KafkaStreamOptions.StartFrom"/> says when nothing was committed). False when that
    /// failed; the agent's side learns why from <see cref="PollChannel.Assignment"/>.
    /// </summary>
    public bool TryAssign(IConsumer<byte[], byte[]> consumer)
    {
        try
        {
            var committed = consumer.Committed([_topicPartition], TimeSpan.FromSeconds(30)).Single().Offset;
            var start = committed.IsSpecial ? StartOffset(consumer) : committed.Value;
            _committed = committed.IsSpecial ? -1 : committed.Value;
            consumer.IncrementalAssign([new TopicPartitionOffset(_topicPartition, start)]);
            channel.Assigned(start, _committed);
            return true;
        }
        catch (Exception e)
        {
            channel.AssignmentFailed(new KafkaException(new Error(Confluent.Kafka.ErrorCode.Local_Fail,
                $"partition {partition} of topic '{context.Topic}' could not be assigned: {e.Message}")));
            return false;
        }
    }

    private long StartOffset(IConsumer<byte[], byte[]> consumer)
    {
        var watermarks = consumer.QueryWatermarkOffsets(_topicPartition, TimeSpan.FromSeconds(30));
        return context.Options.StartFrom == AutoOffsetReset.Latest ? watermarks.High.Value : watermarks.Low.Value;
    }

    /// <summary>Between two reads of the consumer: a rewind, pausing or resuming, progress for the statistics.</summary>
    public void Tend(IConsumer<byte[], byte[]> consumer)
    {
        if (channel.LatestRewind is { } rewind && rewind.Epoch != _epoch && Seek(consumer, rewind.From))
        {
            _epoch = rewind.Epoch;
            if (_paused)
            {
                consumer.Resume([_topicPartition]);
                _paused = false;
            }
        }

        // Read once, so that a report never shows the partition paused with a count the agent's
        // side has since taken below the resume mark: the report says what the decision saw.
        var max = context.Options.MaxBufferedMessages;
        var buffered = channel.Buffered;
        if (!_paused && buffered >= max)
        {
            consumer.Pause([_topicPartition]);
            _paused = true;
            ReceiverLog.Paused(logger, context.Topic, partition, max);
        }
        else if (_paused && buffered <= max / 2)
        {
            consumer.Resume([_topicPartition]);
            _paused = false;
            ReceiverLog.Resumed(logger, context.Topic, partition);
        }

        if (DateTime.UtcNow >= _nextReport || _paused)
        {
            _nextReport = DateTime.UtcNow.AddMilliseconds(200);
            var high = consumer.GetWatermarkOffsets(_topicPartition).High;
            context.Statistics.Report(new PartitionProgress(
                partition, _committed, high.IsSpecial ? 0 : high.Value, buffered, _paused));
        }
    }

    /// <summary>A message the consumer read for this partition; pauses the partition as soon as the read-ahead is full.</summary>
    public void Add(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> message)
    {
        channel.AddReadAhead(_epoch, message);
        if (!_paused && channel.Buffered >= context.Options.MaxBufferedMessages)
        {
            Tend(consumer);
        }
    }

    /// <summary>The commit the agent's side asks for, if it is news; committed together with other partitions'.</summary>
    public TopicPartitionOffset? PendingCommit()
    {
        var requested = channel.CommitRequested;
        return requested > _committed ? new TopicPartitionOffset(_topicPartition, requested) : null;
    }

    public void Committed(long offset)
    {
        _committed = offset;
        channel.PublishCommitted(offset);
    }

    public void CommitFailed(long offset, string reason) =>
        // Retried on the next loop; the committed offset only lags.
        ReceiverLog.CommitFailed(logger, context.Topic, partition, offset, reason);

    /// <summary>Commits once more and takes the partition out of the consumer's assignment; the agent's side is told.</summary>
    public void Release(IConsumer<byte[], byte[]>? consumer)
    {
        try
        {
            if (consumer is not null)
            {
                if (PendingCommit() is { } commit)
                {
                    consumer.Commit([commit]);
                    Committed(commit.Offset.Value);
                }

                consumer.IncrementalUnassign([_topicPartition]);
            }
        }
        catch (KafkaException e)
        {
            CommitFailed(channel.CommitRequested, e.Error.Reason);
        }
        finally
        {
            channel.Released();
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
            ReceiverLog.SeekFailed(logger, context.Topic, partition, from, e.Error.Reason);
            return false;
        }

        channel.DropReadAhead();
        return true;
    }
}
