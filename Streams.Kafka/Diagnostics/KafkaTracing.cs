using System.Diagnostics;
using Orleans.Streams;
using Encore.Streams.Kafka.Providers;

namespace Encore.Streams.Kafka.Diagnostics;

/// <summary>
/// Traces of the provider: a span per read of a partition that hands messages over, whose context
/// rides in the request context of the read's batches. Orleans imports a batch's request context
/// into the call that delivers it, so a consumer that starts a span from that context (Orleans'
/// activity propagation does) continues the read's trace. Nothing is created or stamped while no
/// one listens to <see cref="SourceName"/>.
/// </summary>
public static class KafkaTracing
{
    public const string SourceName = "Encore.Streams.Kafka";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>A span for a read of <paramref name="partition"/>, or null when it has nothing to read or no one listens.</summary>
    internal static Activity? StartRead(string topic, int partition, int buffered)
    {
        if (buffered <= 0 || !Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity($"receive {topic}", ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "receive");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.destination.partition.id", partition);
        return activity;
    }

    /// <summary>Gives each batch of the read that has no request context of its own the read's trace context.</summary>
    internal static List<IBatchContainer> Stamp(Activity? read, List<IBatchContainer> batches)
    {
        if (read is null)
        {
            return batches;
        }

        read.SetTag("messaging.batch.message_count", batches.Count);
        var context = new Dictionary<string, object>(StringComparer.Ordinal);
        DistributedContextPropagator.Current.Inject(read, context, static (carrier, key, value) =>
            ((Dictionary<string, object>)carrier!)[key] = value);

        // One dictionary for the whole read: Orleans copies it when it imports it.
        for (var i = 0; i < batches.Count; i++)
        {
            if (batches[i] is KafkaBatchContainer { RequestContext: null } batch)
            {
                batches[i] = batch.WithRequestContext(context);
            }
        }

        return batches;
    }
}
