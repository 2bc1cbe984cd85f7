using Encore.Streams.Kafka.Providers;
using Orleans.Providers.Streams.Common;

namespace Encore.Streams.Kafka.Tests.Provider;

/// <summary>What a message's events look like to a subscriber.</summary>
public sealed class KafkaBatchContainerTests
{
    private static readonly StreamId Stream = StreamId.Create("ns", "a");

    [Fact]
    public void AMessageOfOneEventGivesItWithTheMessagesOffsetAsItsToken()
    {
        var container = new KafkaBatchContainer(Stream, ["play"], 42);

        var (item, token) = Assert.Single(container.GetEvents<string>());

        Assert.Equal("play", item);
        Assert.Equal(new EventSequenceTokenV2(42, 0), token);
        Assert.Empty(container.GetEvents<int>());
    }

    [Fact]
    public void AMessageOfSeveralEventsGivesThoseOfTheTypeAskedForNumberedInOrder()
    {
        var container = new KafkaBatchContainer(Stream, ["a", 7, "b"], 42);

        var events = container.GetEvents<string>().ToList();

        Assert.Equal(["a", "b"], events.Select(e => e.Item1));
        Assert.Equal([0, 1], events.Select(e => ((EventSequenceTokenV2)e.Item2).EventIndex));
        Assert.All(events, e => Assert.Equal(42, e.Item2.SequenceNumber));
    }
}
