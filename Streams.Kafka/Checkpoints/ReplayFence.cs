using Encore.Streams.Kafka.Providers;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Checkpoints;

/// <summary>
/// Lets a consumer that asked for a replay ignore what was read before it. Between the request and the
/// receiver's rewind, messages read earlier are still delivered; a consumer that applied them would
/// move its watermarks past the offsets the replay is about to bring back. The fence admits only
/// messages whose read satisfies the consumer's latest <see cref="ReplayTicket"/>; what it turns away
/// is read again by that replay.
/// </summary>
public sealed class ReplayFence
{
    private ReplayTicket? _ticket;

    /// <summary>From now on admit only reads that satisfy <paramref name="ticket"/>.</summary>
    public void Expect(ReplayTicket ticket) => _ticket = ticket;

    /// <summary>
    /// Whether a message with <paramref name="token"/> may be applied. A token of another checkpoint
    /// grain activation is admitted if that activation is the current one (the receiver re-read for it
    /// from the committed offset), and turned away if it is an older one.
    /// </summary>
    public async ValueTask<bool> AdmitsAsync(StreamSequenceToken token, IKafkaCheckpointGrain checkpoint)
    {
        if (_ticket is not { } ticket || token is not KafkaSequenceToken { Epoch: var epoch })
        {
            return true;
        }

        if (epoch.Incarnation == ticket.Incarnation)
        {
            return epoch.Covers(ticket);
        }

        var current = (await checkpoint.GetStateAsync()).Incarnation;
        if (epoch.Incarnation != current)
        {
            return false;
        }

        _ticket = epoch;
        return true;
    }
}
