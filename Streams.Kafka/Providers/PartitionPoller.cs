using Confluent.Kafka;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.Logging;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The body of a receiver's dedicated poll thread, and the only code that touches its Kafka consumer
/// (librdkafka consumers are not meant to be shared between threads). It assigns the partition, polls
/// into the <see cref="PollChannel"/>'s read-ahead, pauses the partition when that is full and
/// resumes it at half, seeks when the agent's side asks for a rewind, and commits what the agent's
/// side found safe. Every field is the poll thread's own.
/// </summary>
internal sealed class PartitionPoller(KafkaProviderContext context, int partition, PollChannel channel, ILogger logger)
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);

    private readonly TopicPartition _topicPartition = new(context.Topic, partition);
    private long _committed = -1;

    /// <summary>Runs until <see cref="PollChannel.Stop"/>, then commits once more and closes the consumer.</summary>
    public void Run()
    {
        IConsumer<byte[], byte[]>? consumer = null;
        var assigned = false;
        try
        {
            consumer = context.CreateConsumer();
            var committed = consumer.Committed([_topicPartition], TimeSpan.FromSeconds(30)).Single().Offset;
            var start = committed.IsSpecial ? StartOffset(consumer) : committed.Value;
            _committed = committed.IsSpecial ? -1 : committed.Value;
            consumer.Assign(new TopicPartitionOffset(_topicPartition, start));
            channel.Assigned(start, _committed);
            assigned = true;
            PollUntilStopped(consumer);
        }
        catch (Exception e) when (!assigned)
        {
            channel.AssignmentFailed(new KafkaException(new Error(Confluent.Kafka.ErrorCode.Local_Fail,
                $"partition {partition} of topic '{context.Topic}' could not be assigned: {e.Message}")));
        }
        catch (Exception e)
        {
            ReceiverLog.PollFailed(logger, e, context.Topic, partition);
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
        return context.Options.StartFrom == AutoOffsetReset.Latest ? watermarks.High.Value : watermarks.Low.Value;
    }

    private void PollUntilStopped(IConsumer<byte[], byte[]> consumer)
    {
        var paused = false;
        var epoch = 0;
        var max = context.Options.MaxBufferedMessages;
        var nextReport = DateTime.MinValue;
        while (!channel.IsStopRequested)
        {
            Commit(consumer);
            if (channel.LatestRewind is { } rewind && rewind.Epoch != epoch && Seek(consumer, rewind.From))
            {
                epoch = rewind.Epoch;
                if (paused)
                {
                    consumer.Resume([_topicPartition]);
                    paused = false;
                }
            }

            // Read once, so that a report never shows the partition paused with a count the agent's
            // side has since taken below the resume mark: the report says what the decision saw.
            var buffered = channel.Buffered;
            if (!paused && buffered >= max)
            {
                consumer.Pause([_topicPartition]);
                paused = true;
                ReceiverLog.Paused(logger, context.Topic, partition, max);
            }
            else if (paused && buffered <= max / 2)
            {
                consumer.Resume([_topicPartition]);
                paused = false;
                ReceiverLog.Resumed(logger, context.Topic, partition);
            }

            if (DateTime.UtcNow >= nextReport || paused)
            {
                nextReport = DateTime.UtcNow.AddMilliseconds(200);
                var high = consumer.GetWatermarkOffsets(_topicPartition).High;
                context.Statistics.Report(new PartitionProgress(
                    partition, _committed, high.IsSpecial ? 0 : high.Value, buffered, paused));
            }

            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(PollTimeout);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ReceiverLog.ConsumeError(logger, context.Topic, partition, e.Error.Reason);
                continue;
            }

            if (result is { IsPartitionEOF: false, Message: not null })
            {
                channel.AddReadAhead(epoch, result);
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
            ReceiverLog.SeekFailed(logger, context.Topic, partition, from, e.Error.Reason);
            return false;
        }

        channel.DropReadAhead();
        return true;
    }

    private void Commit(IConsumer<byte[], byte[]> consumer)
    {
        var requested = channel.CommitRequested;
        if (requested <= _committed)
        {
            return;
        }

        try
        {
            consumer.Commit([new TopicPartitionOffset(_topicPartition, requested)]);
            _committed = requested;
            channel.PublishCommitted(requested);
        }
        catch (KafkaException e)
        {
            // Retried on the next loop; the committed offset only lags.
            ReceiverLog.CommitFailed(logger, context.Topic, partition, requested, e.Error.Reason);
        }
    }
}
