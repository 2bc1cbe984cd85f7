using System.Globalization;
using System.Text;
using Orleans.Configuration;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// One Orleans queue per Kafka partition (queue i reads partition i). A stream maps to the partition
/// Kafka's key partitioner would choose for its key, except the per-partition streams, whose key is the
/// partition itself. The hash ring underneath lets Orleans' queue balancers spread the queues over silos.
/// </summary>
public sealed class KafkaQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly HashRingBasedStreamQueueMapper _ring;
    private readonly QueueId[] _queues;
    private readonly string? _partitionNamespace;

    public KafkaQueueMapper(string providerName, int partitionCount, string? partitionStreamNamespace)
    {
        _ring = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = partitionCount }, providerName);
        _queues = [.. _ring.GetAllQueues().OrderBy(q => q.GetNumericId())];
        _partitionNamespace = partitionStreamNamespace;
    }

    public int PartitionCount => _queues.Length;

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) => _ring.GetQueuesForRange(range);

    public QueueId GetQueueForStream(StreamId streamId) => _queues[PartitionOf(streamId)];

    public QueueId QueueOf(int partition) => _queues[partition];

    public static int PartitionOf(QueueId queue) => (int)queue.GetNumericId();

    public int PartitionOf(StreamId streamId)
    {
        var key = streamId.Key.Span;
        if (_partitionNamespace is not null
            && streamId.Namespace.Span.SequenceEqual(Encoding.UTF8.GetBytes(_partitionNamespace))
            && int.TryParse(Encoding.UTF8.GetString(key), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && partition < _queues.Length)
        {
            return partition;
        }

        return Murmur2.Partition(key, _queues.Length);
    }
}
