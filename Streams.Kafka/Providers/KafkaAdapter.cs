using Confluent.Kafka;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>The queue adapter: receivers per partition, and writes through Orleans to an explicit partition.</summary>
internal sealed class KafkaAdapter(KafkaProviderContext context, KafkaQueueMapper mapper, KafkaQueueAdapterCache caches) : IQueueAdapter
{
    public string Name => context.ProviderName;

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new KafkaReceiver(context, queueId,
        caches.CacheOf(queueId) ?? throw new InvalidOperationException($"No cache was made for queue {queueId} before its receiver."));

    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            throw new ArgumentException("The Kafka stream provider assigns sequence tokens itself (from offsets); pass none.", nameof(token));
        }

        var partition = new TopicPartition(context.Topic, mapper.PartitionOf(streamId));
        foreach (var message in context.DataAdapter.Encode(streamId, events, requestContext))
        {
            await context.Producer.ProduceAsync(partition, message);
        }
    }
}
