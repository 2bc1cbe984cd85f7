using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The one Kafka consumer of a provider on a silo and the dedicated thread that owns it (librdkafka
/// consumers are not meant to be shared between threads). Every receiver of the silo joins with its
/// partition and a <see cref="PollChannel"/>; the loop tends each partition (<see cref="PartitionPoller"/>),
/// commits what they found safe in one request, and routes what the consumer reads to the partition's
/// channel. The thread runs while at least one partition is joined.
/// </summary>
/// <remarks>
/// One consumer per partition cost a silo a connection, three librdkafka threads and a fetch request
/// every <c>fetch.wait.max.ms</c> for each of its partitions: with 64 partitions, an idle silo spent
/// 40 % of a core, and the dev cluster 20 % more, answering empty fetches (docs/performance.md).
/// </remarks>
internal sealed class KafkaPollLoop(KafkaProviderContext context, ILogger logger)
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);
    private const int MaxReadsBetweenTending = 1000;

    private readonly ConcurrentQueue<PartitionPoller> _joining = new();
    private readonly Lock _lock = new();
    private Thread? _thread;
    private int _joined;

    /// <summary>Starts reading <paramref name="partition"/> into <paramref name="channel"/>; <see cref="PollChannel.Stop"/> lets go of it.</summary>
    public void Join(int partition, PollChannel channel)
    {
        lock (_lock)
        {
            _joined++;
            _joining.Enqueue(new PartitionPoller(context, partition, channel, logger));
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = $"kafka-{context.ProviderName}" };
                _thread.Start();
            }
        }
    }

    private void Run()
    {
        var partitions = new Dictionary<int, PartitionPoller>();
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            consumer = context.CreateConsumer();
            while (Admit(consumer, partitions))
            {
                Tend(consumer, partitions);
                Commit(consumer, partitions.Values);
                if (partitions.Count > 0)
                {
                    Read(consumer, partitions);
                }
            }
        }
        catch (Exception e)
        {
            // The receivers of this silo stop getting messages, as they would if the cluster were away.
            ReceiverLog.PollFailed(logger, e, context.Topic);
            lock (_lock)
            {
                _thread = null;
                _joined = 0;
                while (_joining.TryDequeue(out var waiting))
                {
                    waiting.Channel.AssignmentFailed(e);
                }
            }

            foreach (var poller in partitions.Values)
            {
                poller.Channel.Released();
            }
        }
        finally
        {
            Close(consumer);
        }
    }

    /// <summary>Leaves the group's metadata tidy; an exception here would end the process, since nothing catches it on this thread.</summary>
    private void Close(IConsumer<byte[], byte[]>? consumer)
    {
        try
        {
            consumer?.Close();
        }
        catch (KafkaException e)
        {
            ReceiverLog.CloseFailed(logger, context.Topic, e.Error.Reason);
        }
        finally
        {
            consumer?.Dispose();
        }
    }

    /// <summary>Assigns the partitions that joined; false (the thread ends) when none is left.</summary>
    private bool Admit(IConsumer<byte[], byte[]> consumer, Dictionary<int, PartitionPoller> partitions)
    {
        while (_joining.TryDequeue(out var poller))
        {
            if (poller.TryAssign(consumer))
            {
                partitions[poller.Partition] = poller;
            }
            else
            {
                Left();
            }
        }

        if (partitions.Count > 0)
        {
            return true;
        }

        lock (_lock)
        {
            if (_joined > 0)
            {
                return true;
            }

            _thread = null;
            return false;
        }
    }

    private void Tend(IConsumer<byte[], byte[]> consumer, Dictionary<int, PartitionPoller> partitions)
    {
        foreach (var poller in partitions.Values.ToList())
        {
            if (poller.Channel.IsStopRequested)
            {
                partitions.Remove(poller.Partition);
                poller.Release(consumer);
                Left();
            }
            else
            {
                try
                {
                    poller.Tend(consumer);
                }
                catch (KafkaException e)
                {
                    // One partition's pause, resume or seek failing must not stop the others; tried again next time round.
                    ReceiverLog.ConsumeError(logger, context.Topic, poller.Partition, e.Error.Reason);
                }
            }
        }
    }

    private void Left()
    {
        lock (_lock)
        {
            _joined--;
        }
    }

    /// <summary>Every partition's new commit in one request.</summary>
    private static void Commit(IConsumer<byte[], byte[]> consumer, IEnumerable<PartitionPoller> partitions)
    {
        var pending = partitions.Select(p => (Poller: p, Offset: p.PendingCommit())).Where(p => p.Offset is not null).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(pending.Select(p => p.Offset!));
            foreach (var (poller, offset) in pending)
            {
                poller.Committed(offset!.Offset.Value);
            }
        }
        catch (KafkaException e)
        {
            foreach (var (poller, offset) in pending)
            {
                poller.CommitFailed(offset!.Offset.Value, e.Error.Reason);
            }
        }
    }

    /// <summary>
    /// Waits up to <see cref="PollTimeout"/> for a message, then takes what the consumer already holds,
    /// up to <see cref="MaxReadsBetweenTending"/>, so that partitions are tended once per burst rather
    /// than once per message.
    /// </summary>
    private void Read(IConsumer<byte[], byte[]> consumer, Dictionary<int, PartitionPoller> partitions)
    {
        for (var read = 0; read < MaxReadsBetweenTending; read++)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(read == 0 ? PollTimeout : TimeSpan.Zero);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ReceiverLog.ConsumeError(logger, context.Topic, e.ConsumerRecord?.Partition.Value ?? -1, e.Error.Reason);
                return;
            }

            if (result is null)
            {
                return;
            }

            // A message of a partition let go of a moment ago (still in the consumer's queue) is dropped:
            // whoever reads the partition next starts from its committed offset.
            if (result is { IsPartitionEOF: false, Message: not null } && partitions.TryGetValue(result.Partition.Value, out var poller))
            {
                poller.Add(consumer, result);
            }
        }
    }
}
