using Encore.Pipeline;
using Encore.Silo.Kafka;
using Orleans.Streams;

namespace Encore.Silo.Hosting;

internal static class StreamingHosting
{
    /// <summary>
    /// The listening-event topic as Orleans streams: the Kafka provider under
    /// <see cref="Constants.StreamProvider"/>, one queue per partition, all of a partition's events on
    /// one stream that its partition grain consumes in batches.
    /// </summary>
    public static ISiloBuilder AddEncoreStreams(this ISiloBuilder silo, KafkaSettings kafka) =>
        silo.AddKafkaStreams(Constants.StreamProvider, streams =>
        {
            streams.ConfigureKafka(ob => ob.Configure(o =>
            {
                o.BootstrapServers = kafka.BootstrapServers;
                o.Topic = kafka.Topic;
                o.DeadLetterTopic = kafka.DeadLetterTopic;
                o.Partitions = kafka.Partitions;
                o.StreamNamespace = Constants.PartitionStreamNamespace;
                o.MaxBufferedMessages = kafka.ReadAhead;
                o.MaxBatchSize = KafkaSettings.DeliveryBatchSize;
            }));
            streams.UseDataAdapter<ListeningEventAdapter>();
            streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            streams.ConfigureCache(KafkaSettings.DeliveryBatchSize);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                // Many queued messages at once (see DeliveryBatchSize); a short timer keeps freshness in milliseconds.
                o.BatchContainerBatchSize = KafkaSettings.DeliveryBatchSize;
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
            }));
        });
}
