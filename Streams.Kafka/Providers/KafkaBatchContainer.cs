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
        : this(streamId, events, offset, new EventSequenceTokenV2(offset), requestContext)
    {
    }

    private KafkaBatchContainer(StreamId streamId, List<object> events, long offset, EventSequenceTokenV2 token, Dictionary<string, object>? requestContext)
    {
        StreamId = streamId;
        Events = events;
        Offset = offset;
        Token = token;
        RequestContext = requestContext;
    }

    [Id(0)] public StreamId StreamId { get; }
    [Id(1)] public List<object> Events { get; }
    [Id(2)] public EventSequenceTokenV2 Token { get; }
    [Id(3)] public Dictionary<string, object>? RequestContext { get; }

    /// <summary>The Kafka offset the events were read from.</summary>
    [Id(4)] public long Offset { get; }

    public StreamSequenceToken SequenceToken => Token;

    /// <summary>
    /// The same events read again after a replay request: the cache only moves forward, so the token
    /// of replay number <paramref name="replay"/> sits above every token read before it. Without replays
    /// (including after any restart) a token is the offset itself.
    /// </summary>
    internal KafkaBatchContainer InReplay(int replay) =>
        replay == 0 ? this : new(StreamId, Events, Offset, new EventSequenceTokenV2(Offset + ((long)replay << ReplayShift)), RequestContext);

    internal const int ReplayShift = 40;

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
