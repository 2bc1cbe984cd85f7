using System.Diagnostics;
using Confluent.Kafka;
using Encore.Streams.Kafka.Providers;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Encore.Streams.Kafka.Benchmarks;

internal static class BareConsumer
{
    /// <summary>Reads every partition from the beginning with one assigned consumer until <paramref name="count"/> messages.</summary>
    public static TimeSpan Read(string bootstrap, string topic, int partitions, long count)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "bare", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var watch = Stopwatch.StartNew();
        var read = 0L;
        while (read < count)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null })
            {
                read++;
            }
        }

        return watch.Elapsed;
    }
}

/// <summary>Every message becomes one event carrying its offset: no parsing, so the figure is the pipeline's own cost.</summary>
internal sealed class RawDataAdapter : IKafkaDataAdapter
{
    public KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message, StreamId streamId) =>
        KafkaDecodeResult.Accept(new KafkaBatchContainer(streamId, [message.Offset.Value], message.Offset.Value));

    public IEnumerable<Message<byte[], byte[]>> Encode<T>(StreamId streamId, IEnumerable<T> events, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException();
}

internal sealed class DeliveryCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add(int n) => Interlocked.Add(ref _count, n);
}

public interface ICountingGrain : IGrainWithIntegerKey;

[ImplicitStreamSubscription(Namespace)]
internal sealed class CountingGrain(DeliveryCounter counter) : Grain, ICountingGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<long>
{
    public const string Namespace = "bench";

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<long>().ResumeAsync(this);

    public Task OnNextAsync(IList<SequentialItem<long>> items)
    {
        counter.Add(items.Count);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
