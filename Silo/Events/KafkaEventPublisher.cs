using System.Globalization;
using Confluent.Kafka;
using Encore.Events;
using Encore.Pipeline;
using Encore.Silo.Api;
using Encore.Silo.Kafka;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Events;

/// <summary>
/// Produces events to the listening-event topic, keyed by userId with Kafka's murmur2 partitioner (as
/// the generator and Java clients do), idempotently, and reports for each one whether the brokers
/// acknowledged it within <see cref="ApiSettings.PublishTimeout"/>.
/// </summary>
internal sealed class KafkaEventPublisher : IEventPublisher, IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;

    public KafkaEventPublisher(IOptions<KafkaSettings> settings, IOptions<ApiSettings> api)
        : this(settings, api, librdkafkaProperties: [])
    {
    }

    /// <summary>The same with more librdkafka producer properties on top (tests shrink the local queue with them).</summary>
    internal KafkaEventPublisher(IOptions<KafkaSettings> settings, IOptions<ApiSettings> api, IEnumerable<KeyValuePair<string, string>> librdkafkaProperties)
    {
        _topic = settings.Value.Topic;
        var config = new ProducerConfig
        {
            BootstrapServers = settings.Value.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            Partitioner = Partitioner.Murmur2Random,
            // librdkafka reports every message within this time: acknowledged, or failed (broker down or
            // unreachable). Its default, 5 minutes, would hold an HTTP request that long.
            MessageTimeoutMs = (int)api.Value.PublishTimeout.TotalMilliseconds,
        };
        foreach (var (name, value) in librdkafkaProperties)
        {
            config.Set(name, value);
        }

        _producer = new ProducerBuilder<byte[], byte[]>(config).Build();
    }

    public async Task<PublishOutcome> PublishAsync(IReadOnlyList<ListeningEvent> events)
    {
        var deliveries = new List<Task<DeliveryResult<byte[], byte[]>>>(events.Count);
        foreach (var e in events)
        {
            var delivery = _producer.ProduceAsync(_topic, ListeningEventAdapter.ToMessage(e));
            deliveries.Add(delivery);
            if (delivery.IsFaulted)
            {
                // Refused at once, most often because librdkafka's local queue is full (back-pressure).
                // The later events are not sent, so that none of them overtakes this one.
                break;
            }
        }

        var produced = new List<int>(events.Count);
        var failed = new List<PublishFailure>();
        for (var i = 0; i < events.Count; i++)
        {
            if (i >= deliveries.Count)
            {
                failed.Add(new PublishFailure(i, events[i].EventId, $"not sent: event {deliveries.Count - 1} was refused before it", PossiblyProduced: false));
                continue;
            }

            try
            {
                await deliveries[i];
                produced.Add(i);
            }
            catch (KafkaException exception)
            {
                var neverSent = exception is ProduceException<byte[], byte[]> { DeliveryResult.Status: PersistenceStatus.NotPersisted };
                failed.Add(new PublishFailure(i, events[i].EventId, Describe(exception.Error), PossiblyProduced: !neverSent));
            }
        }

        return new PublishOutcome(produced, failed);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }

    private static string Describe(Error error) => string.Create(CultureInfo.InvariantCulture, $"{error.Code}: {error.Reason}");
}
