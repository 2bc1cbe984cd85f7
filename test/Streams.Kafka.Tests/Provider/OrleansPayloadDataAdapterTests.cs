using Confluent.Kafka;
using Encore.Streams.Kafka.Providers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Encore.Streams.Kafka.Tests.Provider;

/// <summary>The default data adapter: stream events serialized by Orleans, with their stream id and request context.</summary>
public sealed class OrleansPayloadDataAdapterTests
{
    [Fact]
    public void AMessageItWroteDecodesToItsEventsStreamAndRequestContextForTheReceiverToContain()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var adapter = new OrleansPayloadDataAdapter(services.GetRequiredService<Serializer<OrleansPayloadDataAdapter.Payload>>());
        var stream = StreamId.Create("ns", "key");
        var message = Assert.Single(adapter.Encode(stream, ["a", "b"], new Dictionary<string, object> { ["trace"] = "t-1" }));

        var result = adapter.Decode(new ConsumeResult<byte[], byte[]> { Message = message, Offset = 7, Partition = 0 }, StreamId.Create("ns", "other"));

        Assert.True(result.IsAccepted);
        Assert.Null(result.Batch);
        Assert.Equal(stream, result.StreamId);
        Assert.Equal(["a", "b"], result.Events!);
        Assert.Equal("t-1", result.RequestContext!["trace"]);
    }

    [Fact]
    public void AMessageOfAnotherProducerIsRejected()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var adapter = new OrleansPayloadDataAdapter(services.GetRequiredService<Serializer<OrleansPayloadDataAdapter.Payload>>());

        var result = adapter.Decode(new ConsumeResult<byte[], byte[]> { Message = new Message<byte[], byte[]> { Value = "{}"u8.ToArray() }, Offset = 7 }, StreamId.Create("ns", "k"));

        Assert.False(result.IsAccepted);
        Assert.StartsWith("not an Orleans stream message", result.RejectReason);
    }
}
