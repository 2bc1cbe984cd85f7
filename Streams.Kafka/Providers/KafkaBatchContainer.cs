using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The events of one Kafka message on their way through the pulling agent and cache. The sequence token
/// is the message's offset, so tokens are totally ordered within a queue and identical when a message
/// is read again.
/// </summary>
[GenerateSerializer]
public sealed class KafkaBatchContainer : IBatchContainer
{
    public KafkaBatchContainer(StreamId streamId, List<object> events, long offset, Dictionary<string, object>? requestContext = null)
    {
        StreamId = streamId;
        Events = events;
        Offset = offset;
        Token = new EventSequenceTokenV2(offset);
        RequestContext = requestContext;
    }

    [Id(0)] public StreamId StreamId { get; }
    [Id(1)] public List<object> Events { get; }
    [Id(2)] public EventSequenceTokenV2 Token { get; }
    [Id(3)] public Dictionary<string, object>? RequestContext { get; }

    /// <summary>The Kafka offset the events were read from.</summary>
    [Id(4)] public long Offset { get; }

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Events.OfType<T>().Select((e, i) => Tuple.Create<T, StreamSequenceToken>(e, Token.CreateSequenceTokenForEvent(i)));

    public bool ImportRequestContext()
    {
        if (RequestContext is null)
        {
            return false;
        }

        RequestContextExtensions.Import(RequestContext);
        return true;
    }

    public override string ToString() => $"KafkaBatchContainer({StreamId}, offset {Offset}, {Events.Count} events)";
}
