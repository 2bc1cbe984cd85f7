using System.Net;
using System.Net.Sockets;
using Encore.Events;
using Encore.Silo.Api;
using Encore.Silo.Events;
using Encore.Silo.Kafka;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Tests;

/// <summary>
/// The API's Kafka publisher when Kafka cannot take the events, pointed at a closed port: every event
/// is reported, and none is called produced that was not acknowledged.
/// </summary>
public sealed class KafkaEventPublisherTests
{
    [Fact]
    public async Task WhenTheLocalQueueIsFullTheRestIsNotSentAndEveryOutcomeIsExact()
    {
        // More events than librdkafka's local queue holds, with no broker to drain it: the queue fills,
        // and the event that finds it full is refused at once.
        const int count = 25;
        using var publisher = new KafkaEventPublisher(
            Options.Create(new KafkaSettings { BootstrapServers = $"127.0.0.1:{ClosedPort()}" }),
            Options.Create(new ApiSettings { PublishTimeout = TimeSpan.FromSeconds(1) }),
            [new("queue.buffering.max.messages", "10")]);
        var events = Enumerable.Range(0, count)
            .Select(i => new ListeningEvent { EventId = $"e{i}", UserId = $"u{i % 97}", TrackId = "t", Ts = DateTimeOffset.UtcNow, MsPlayed = 1 })
            .ToList();

        var outcome = await publisher.PublishAsync(events);

        Assert.False(outcome.AllProduced);
        Assert.Empty(outcome.Produced);
        Assert.Equal(Enumerable.Range(0, count), outcome.Failed.Select(f => f.Index));
        Assert.Equal(events.Select(e => e.EventId), outcome.Failed.Select(f => f.EventId));
        var refused = Assert.Single(outcome.Failed, f => f.Reason.StartsWith("Local_QueueFull:", StringComparison.Ordinal)).Index;
        Assert.Equal(10, refused);
        Assert.All(outcome.Failed.Take(refused), f => Assert.Equal("Local_MsgTimedOut: Local: Message timed out", f.Reason));
        Assert.All(outcome.Failed.Skip(refused + 1), f => Assert.Equal($"not sent: event {refused} was refused before it", f.Reason));
        Assert.All(outcome.Failed, f => Assert.False(f.PossiblyProduced));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
