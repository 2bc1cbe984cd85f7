using Confluent.Kafka;
using Encore.Events;
using Encore.Pipeline;
using Encore.Silo.Kafka;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Events;

/// <summary>
/// Produces events to the listening-event topic, keyed by userId with Kafka's murmur2 partitioner (as
/// the generator and Java clients do), idempotently, and returns once the brokers acknowledged them.
/// </summary>
internal sealed class KafkaEventPublisher : IEventPublisher, IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;

    public KafkaEventPublisher(IOptions<KafkaSettings> settings)
    {
        _topic = settings.Value.Topic;
        _producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = settings.Value.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            Partitioner = Partitioner.Murmur2Random,
        }).Build();
    }

    public async Task PublishAsync(IReadOnlyList<ListeningEvent> events, CancellationToken cancellationToken) =>
        await Task.WhenAll(events.Select(e => _producer.ProduceAsync(_topic, ListeningEventAdapter.ToMessage(e), cancellationToken)));

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
