using Orleans.Streams;

namespace Encore.Silo.Hosting;

internal static class StreamingHosting
{
    /// <summary>
    /// The stream provider the partition grains consume, registered under
    /// <see cref="Constants.StreamProvider"/> with one queue per partition. For now Orleans' memory
    /// streams stand in for Kafka; swapping in the Kafka provider changes this method only.
    /// </summary>
    public static ISiloBuilder AddEncoreStreams(this ISiloBuilder silo, int partitions) =>
        silo.AddMemoryStreams(Constants.StreamProvider, streams =>
        {
            streams.ConfigurePartitioning(partitions);
            streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                // Hand the batch observer many queued batches at once: per-batch aggregation is what
                // keeps hot tracks off the critical path.
                o.BatchContainerBatchSize = 64;
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20);
            }));
        });
}
