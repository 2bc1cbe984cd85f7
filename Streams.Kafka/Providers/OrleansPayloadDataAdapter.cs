using Confluent.Kafka;
using Orleans.Serialization;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The default adapter: a message holds a batch of stream events serialized by Orleans, with the stream
/// id it was queued on, so any Orleans type round-trips. Messages written by other producers are rejected.
/// </summary>
public sealed class OrleansPayloadDataAdapter(Serializer<OrleansPayloadDataAdapter.Payload> serializer) : IKafkaDataAdapter
{
    public KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message, StreamId streamId)
    {
        try
        {
            var payload = serializer.Deserialize(message.Message.Value)
                ?? throw new InvalidOperationException("empty payload");
            return KafkaDecodeResult.Accept(payload.StreamId, payload.Events, payload.RequestContext);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return KafkaDecodeResult.Reject($"not an Orleans stream message: {e.Message}");
        }
    }

    public IEnumerable<Message<byte[], byte[]>> Encode<T>(StreamId streamId, IEnumerable<T> events, Dictionary<string, object>? requestContext)
    {
        var payload = new Payload(streamId, [.. events.Cast<object>()], requestContext);
        yield return new Message<byte[], byte[]> { Key = streamId.Key.ToArray(), Value = serializer.SerializeToArray(payload) };
    }

    [GenerateSerializer]
    public sealed record Payload(
        [property: Id(0)] StreamId StreamId,
        [property: Id(1)] List<object> Events,
        [property: Id(2)] Dictionary<string, object>? RequestContext);
}
