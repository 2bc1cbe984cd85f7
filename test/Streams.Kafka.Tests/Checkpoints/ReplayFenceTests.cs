using Encore.Streams.Kafka.Checkpoints;
using Encore.Streams.Kafka.Providers;
using Orleans.Providers.Streams.Common;

namespace Encore.Streams.Kafka.Tests.Checkpoints;

/// <summary>The fence a consumer puts up after asking for a replay.</summary>
public sealed class ReplayFenceTests
{
    private static readonly Guid Before = Guid.NewGuid();
    private static readonly Guid Now = Guid.NewGuid();

    private readonly CheckpointState _checkpoint = new(Now);

    private static KafkaSequenceToken Read(Guid incarnation, int replays) => new(42, new ReplayTicket(incarnation, replays));

    [Fact]
    public async Task AdmitsEverythingUntilAReplayIsAskedFor()
    {
        var fence = new ReplayFence();
        Assert.True(await fence.AdmitsAsync(Read(Now, 0), _checkpoint));
        Assert.True(await fence.AdmitsAsync(new EventSequenceTokenV2(7), _checkpoint));
    }

    [Fact]
    public async Task TurnsAwayReadsBeforeTheReplayAndAdmitsTheReplayAndLaterOnes()
    {
        var fence = new ReplayFence();
        fence.Expect(new ReplayTicket(Now, 3));

        Assert.False(await fence.AdmitsAsync(Read(Now, 2), _checkpoint));
        Assert.True(await fence.AdmitsAsync(Read(Now, 3), _checkpoint));
        Assert.True(await fence.AdmitsAsync(Read(Now, 4), _checkpoint));
        Assert.Equal(0, _checkpoint.Asked);
    }

    [Fact]
    public async Task AReadForTheCurrentCheckpointActivationSatisfiesATicketOfAnOlderOne()
    {
        // The checkpoint grain died and came back: the receiver read again from the committed offset.
        var fence = new ReplayFence();
        fence.Expect(new ReplayTicket(Before, 5));

        Assert.True(await fence.AdmitsAsync(Read(Now, 0), _checkpoint));
        Assert.False(await fence.AdmitsAsync(Read(Before, 5), _checkpoint));
        Assert.True(await fence.AdmitsAsync(Read(Now, 0), _checkpoint));
    }

    [Fact]
    public async Task AReadForAnOlderCheckpointActivationIsTurnedAway()
    {
        var fence = new ReplayFence();
        fence.Expect(new ReplayTicket(Now, 1));

        Assert.False(await fence.AdmitsAsync(Read(Before, 9), _checkpoint));
        Assert.Equal(1, _checkpoint.Asked);
    }

    [Fact]
    public void ReadsOfAMessageOrderTogetherAndAreEqualUnlessAReplayCameBetween()
    {
        Assert.True(Read(Now, 2).Equals(Read(Now, 2)));
        Assert.False(Read(Now, 1).Equals(Read(Now, 2)));
        Assert.Equal(0, Read(Now, 1).CompareTo(Read(Now, 2)));
        Assert.Equal(0, Read(Before, 1).CompareTo(new EventSequenceTokenV2(42)));
        Assert.True(Read(Now, 0).Equals(new EventSequenceTokenV2(42)));
        Assert.True(new EventSequenceTokenV2(42).Equals(Read(Now, 0)));
        Assert.True(Read(Now, 0).CompareTo(new EventSequenceTokenV2(41)) > 0);
    }

    /// <summary>Answers the current checkpoint activation, as the grain would.</summary>
    private sealed class CheckpointState(Guid incarnation) : IKafkaCheckpointGrain
    {
        public int Asked { get; private set; }

        public Task<KafkaCheckpointState> GetStateAsync()
        {
            Asked++;
            return Task.FromResult(new KafkaCheckpointState(null, 0, incarnation));
        }

        public Task DeclareDurableAsync(long nextOffset) => throw new NotSupportedException();

        public Task<ReplayTicket> RequestReplayAsync() => throw new NotSupportedException();

        public Task<ReplayTicket> ConsumerStartedAsync() => throw new NotSupportedException();

        public Task ConsumerStoppedAsync() => throw new NotSupportedException();
    }
}
