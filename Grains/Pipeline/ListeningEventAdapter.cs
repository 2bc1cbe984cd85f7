using System.Text;
using Confluent.Kafka;
using Encore.Catalog;
using Encore.Events;
using Encore.Streams.Kafka.Providers;

namespace Encore.Pipeline;

/// <summary>
/// Turns a message of the listening-event topic into a <see cref="PartitionEvent"/> on its partition's
/// stream, or rejects it with <see cref="EventValidator"/>'s reason (the provider dead-letters it).
/// </summary>
public sealed class ListeningEventAdapter(CatalogHolder catalog, TimeProvider clock) : IKafkaDataAdapter
{
    // Where the catalog lookup of the event being validated on this thread found its track: the event
    // carries it, so that the user bucket need not look the track up by id again.
    [ThreadStatic] private static int t_trackIndex;

    private TrackCatalog? _catalog;

    // The catalog's lookup as one delegate for every message, not one made per message.
    private Func<string, bool>? _isKnownTrack;

    public KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message, StreamId streamId)
    {
        // The catalog decides what a known track is. It loads in a few seconds at start-up; the first
        // read of a partition waits for it rather than rejecting good events.
        var tracks = _catalog ??= catalog.Loaded.GetAwaiter().GetResult();
        var isKnownTrack = _isKnownTrack ??= trackId => (t_trackIndex = tracks.IndexOf(trackId)) >= 0;
        t_trackIndex = -1;
        var result = EventValidator.Validate(message.Message.Value ?? [], clock.GetUtcNow(), isKnownTrack);
        if (result.Event is not { } e)
        {
            return KafkaDecodeResult.Reject(result.Describe());
        }

        var item = t_trackIndex < 0
            ? new PartitionEvent(message.Partition.Value, message.Offset.Value, e)
            : new PartitionEvent(message.Partition.Value, message.Offset.Value, e, tracks.Identity, t_trackIndex);
        return KafkaDecodeResult.Accept(streamId, [item]);
    }

    public IEnumerable<Message<byte[], byte[]>> Encode<T>(StreamId streamId, IEnumerable<T> events, Dictionary<string, object>? requestContext) =>
        events.Select(e => e switch
        {
            ListeningEvent listening => listening,
            PartitionEvent partitioned => partitioned.Event,
            _ => throw new ArgumentException($"Only listening events go on this topic, not {typeof(T).Name}."),
        }).Select(ToMessage);

    public static Message<byte[], byte[]> ToMessage(ListeningEvent e) =>
        new() { Key = Encoding.UTF8.GetBytes(e.UserId), Value = EventJson.Serialize(e) };
}
