using Encore.Streams.Kafka.Checkpoints;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// A message's place in its partition: the offset (and the event's index in the message). It orders like
/// an <see cref="EventSequenceTokenV2"/> of the same offset and equals one, on every read of the message.
/// It also says which replays its read covers (<see cref="Epoch"/>), so that a consumer that asked for
/// a replay can tell the messages of that replay from ones read before it (<see cref="ReplayFence"/>).
/// Two reads of a message are equal unless a replay was asked for in between: Orleans' consumer takes a
/// delivery whose first token equals that of its previous delivery for a retry and drops it, which
/// would swallow the first message of a replay.
/// </summary>
[GenerateSerializer]
public sealed class KafkaSequenceToken : EventSequenceTokenV2
{
    public KafkaSequenceToken(long offset, ReplayTicket epoch)
        : base(offset)
    {
        Epoch = epoch;
    }

    /// <summary>The replays of the partition that the read which produced this message satisfies.</summary>
    [Id(0)]
    public ReplayTicket Epoch { get; }

    // Compares and equals Orleans' own numeric tokens, such as a consumer's stored resume token.
    protected override Type SequenceTokenCompatibilityDomain => typeof(EventSequenceToken);

    public override bool Equals(StreamSequenceToken? other) =>
        base.Equals(other) && (other is not KafkaSequenceToken kafka || kafka.Epoch == Epoch);

    public override int GetHashCode() => base.GetHashCode();

    public override string ToString() => $"offset {SequenceNumber}, event {EventIndex}, epoch {Epoch}";
}
