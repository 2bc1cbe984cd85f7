using Encore.Streams.Kafka.Checkpoints;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The events of one Kafka message on their way through the pulling agent and cache. The sequence token
/// is the message's offset, so tokens are totally ordered within a queue and equal whenever a message
/// is read again; it also carries the read's replay epoch (<see cref="KafkaSequenceToken.Epoch"/>).
/// </summary>
[GenerateSerializer]
public sealed class KafkaBatchContainer : IBatchContainer
{
    public KafkaBatchContainer(StreamId streamId, List<object> events, long offset, Dictionary<string, object>? requestContext = null)
        : this(streamId, events, offset, default, requestContext)
    {
    }

    internal KafkaBatchContainer(StreamId streamId, List<object> events, long offset, ReplayTicket epoch, Dictionary<string, object>? requestContext)
    {
        StreamId = streamId;
        Events = events;
        Offset = offset;
        Token = new KafkaSequenceToken(offset, epoch);
        RequestContext = requestContext;
    }

    [Id(0)] public StreamId StreamId { get; }
    [Id(1)] public List<object> Events { get; }
    [Id(2)] public KafkaSequenceToken Token { get; }
    [Id(3)] public Dictionary<string, object>? RequestContext { get; }

    /// <summary>The Kafka offset the events were read from.</summary>
    [Id(4)] public long Offset { get; }

    public StreamSequenceToken SequenceToken => Token;

    /// <summary>The same message, read in a read that satisfies the replays of <paramref name="epoch"/>.</summary>
    internal KafkaBatchContainer InEpoch(ReplayTicket epoch) =>
        epoch == Token.Epoch ? this : new(StreamId, Events, Offset, epoch, RequestContext);

    /// <summary>The same message with <paramref name="requestContext"/> for its delivery (a trace context, say).</summary>
    internal KafkaBatchContainer WithRequestContext(Dictionary<string, object> requestContext) =>
        new(StreamId, Events, Offset, Token.Epoch, requestContext);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        // A message of the listening-event topic holds one event: one array, without the two
        // iterators and the delegate of the general case, for every event a silo delivers.
        if (Events is [T single])
        {
            return [Tuple.Create<T, StreamSequenceToken>(single, Token.CreateSequenceTokenForEvent(0))];
        }

        return Events.OfType<T>().Select((e, i) => Tuple.Create<T, StreamSequenceToken>(e, Token.CreateSequenceTokenForEvent(i)));
    }

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
