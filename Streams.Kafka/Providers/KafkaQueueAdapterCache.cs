using System.Collections.Concurrent;
using Orleans.Configuration;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// Makes one <see cref="KafkaQueueCache"/> per queue and hands it to that queue's receiver: the pulling
/// agent creates the cache and then the receiver, one after the other, when it takes a queue.
/// </summary>
internal sealed class KafkaQueueAdapterCache(int capacity, int deliveryBatchSize, StreamCacheEvictionOptions eviction, TimeProvider clock) : IQueueAdapterCache
{
    private readonly ConcurrentDictionary<QueueId, KafkaQueueCache> _latest = new();

    public IQueueCache CreateQueueCache(QueueId queueId) =>
        _latest[queueId] = new KafkaQueueCache(capacity, deliveryBatchSize, eviction, clock);

    /// <summary>The cache the agent that is creating the receiver of <paramref name="queueId"/> just made.</summary>
    public KafkaQueueCache? CacheOf(QueueId queueId) => _latest.GetValueOrDefault(queueId);
}
