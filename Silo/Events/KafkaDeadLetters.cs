using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Encore.Events;
using Encore.Pipeline;
using Encore.Silo.Kafka;
using Encore.Streams.Kafka.Providers;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Events;

/// <summary>
/// Writes events the pipeline could not apply to the dead-letter topic, as the stream provider writes
/// the ones it rejects: the event as JSON, keyed by userId, with the reason and origin in headers.
/// </summary>
internal sealed class KafkaDeadLetters : IDeadLetters, IDisposable
{
    private readonly Lazy<IProducer<byte[], byte[]>> _producer;
    private readonly string _topic;

    public KafkaDeadLetters(IOptions<KafkaSettings> settings)
    {
        _topic = settings.Value.DeadLetterTopic;
        var bootstrap = settings.Value.BootstrapServers;
        _producer = new(() => new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
        }).Build());
    }

    public async Task WriteAsync(PartitionEvent poison, string reason) =>
        await _producer.Value.ProduceAsync(_topic, new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(poison.Event.UserId),
            Value = EventJson.Serialize(poison.Event),
            Headers = new Headers
            {
                { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason) },
                { DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(poison.Partition.ToString(CultureInfo.InvariantCulture)) },
                { DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(poison.Offset.ToString(CultureInfo.InvariantCulture)) },
            },
        });

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(10));
            _producer.Value.Dispose();
        }
    }
}
