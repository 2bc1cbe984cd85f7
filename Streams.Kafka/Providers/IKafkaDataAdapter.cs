using Confluent.Kafka;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// What a data adapter made of one Kafka message: stream events (a batch, or the events of one for the
/// receiver to put in a <see cref="KafkaBatchContainer"/>), or a reason to reject it.
/// </summary>
public readonly record struct KafkaDecodeResult(
    IBatchContainer? Batch, string? RejectReason, StreamId StreamId = default, List<object>? Events = null, Dictionary<string, object>? RequestContext = null)
{
    public bool IsAccepted => Batch is not null || Events is not null;

    public static KafkaDecodeResult Accept(IBatchContainer batch) => new(batch, null);

    /// <summary>
    /// The message's events on <paramref name="streamId"/>, in a <see cref="KafkaBatchContainer"/> that the
    /// receiver makes with the read's replay epoch: one container per message, where a container the
    /// adapter made is made again in that epoch.
    /// </summary>
    public static KafkaDecodeResult Accept(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext = null) =>
        new(null, null, streamId, events, requestContext);

    public static KafkaDecodeResult Reject(string reason) => new(null, reason);
}

/// <summary>
/// Turns Kafka messages into stream events and back. Register one per provider with
/// <c>UseDataAdapter</c>; without one, messages carry Orleans-serialized stream events.
/// </summary>
public interface IKafkaDataAdapter
{
    /// <summary>
    /// Decodes one message. Must not throw for bad input: return a rejection instead, which is counted
    /// and written to the dead-letter topic while the partition moves on. The batch's sequence number
    /// must be the message's offset (as <see cref="KafkaBatchContainer"/>'s is): the cache is keyed on it.
    /// </summary>
    KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message, StreamId streamId);

    /// <summary>The Kafka messages that carry events queued through Orleans on a stream.</summary>
    IEnumerable<Message<byte[], byte[]>> Encode<T>(StreamId streamId, IEnumerable<T> events, Dictionary<string, object>? requestContext);
}
