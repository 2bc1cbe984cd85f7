using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Encore.Streams.Kafka.Checkpoints;
using Encore.Streams.Kafka.Providers;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Encore.Streams.Kafka.Tests.Provider;

public static class TestStreams
{
    public const string Provider = "kafka";
    public const string Namespace = "test.records";
}

/// <summary>A test message "key|seq" as it reaches a grain, with where it was read from.</summary>
[GenerateSerializer, Immutable]
public sealed record TestRecord(
    [property: Id(0)] int Partition,
    [property: Id(1)] long Offset,
    [property: Id(2)] string Key,
    [property: Id(3)] int Seq);

/// <summary>Decodes "key|seq" values; anything else is rejected with a reason.</summary>
public sealed class TextDataAdapter : IKafkaDataAdapter
{
    private static readonly ConcurrentDictionary<string, byte> ThrownOnce = new();

    public KafkaDecodeResult Decode(ConsumeResult<byte[], byte[]> message, StreamId streamId)
    {
        var text = Encoding.UTF8.GetString(message.Message.Value ?? []);
        if (text.EndsWith("|throws", StringComparison.Ordinal))
        {
            // A faulty adapter: throws for this message every time (the receiver must not lose the rest of its read).
            throw new InvalidOperationException($"cannot decode '{text}'");
        }

        if (text.EndsWith("|throws-once", StringComparison.Ordinal) && ThrownOnce.TryAdd($"{message.Topic}/{message.Partition.Value}/{message.Offset.Value}", 0))
        {
            throw new InvalidOperationException($"cannot decode '{text}' this time");
        }

        if (text.EndsWith("|throws-once", StringComparison.Ordinal))
        {
            text = text[..^"|throws-once".Length];
        }

        var parts = text.Split('|');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return KafkaDecodeResult.Reject($"'{text}' is not key|seq");
        }

        // Both ways an adapter may answer, so that every test of the provider goes through both: the
        // events for the receiver to contain, or a container of the adapter's own.
        var record = new TestRecord(message.Partition.Value, message.Offset.Value, parts[0], seq);
        return seq % 2 == 0
            ? KafkaDecodeResult.Accept(streamId, [record])
            : KafkaDecodeResult.Accept(new KafkaBatchContainer(streamId, [record], message.Offset.Value));
    }

    public IEnumerable<Message<byte[], byte[]>> Encode<T>(StreamId streamId, IEnumerable<T> events, Dictionary<string, object>? requestContext) =>
        events.OfType<TestRecord>().Select(r => new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(r.Key),
            Value = Encoding.UTF8.GetBytes($"{r.Key}|{r.Seq}"),
        });
}

/// <summary>
/// What the recording grains of one test cluster saw, kept outside the silos so that it outlives silo
/// and cluster restarts: every delivery, and per partition an applied-offset watermark with the count
/// of events applied once, standing in for grain state persisted atomically with its watermark.
/// </summary>
public sealed class RecordingSink
{
    private static readonly ConcurrentDictionary<string, RecordingSink> Sinks = new();
    private readonly Dictionary<int, (long Watermark, int Applied)> _applied = [];

    public static RecordingSink For(string clusterId) => Sinks.GetOrAdd(clusterId, _ => new RecordingSink());

    public ConcurrentQueue<TestRecord> Deliveries { get; } = new();

    /// <summary>Deliveries whose sequence token is not their Kafka offset (the event's index aside).</summary>
    public int TokenMismatches;

    /// <summary>Every delivery with the replay epoch of the read that produced it.</summary>
    public ConcurrentQueue<(TestRecord Record, ReplayTicket Epoch)> Epochs { get; } = new();

    /// <summary>Where a consumer's next activation resumes its subscription; null: where the stream is.</summary>
    public StreamSequenceToken? ResumeFrom { get; set; }

    /// <summary>While false, consumers apply but declare nothing durable: their effects stay "in memory".</summary>
    public bool Declaring { get; set; } = true;

    /// <summary>While set, consumers wait on it: a slow consumer.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Applied
    {
        get
        {
            lock (_applied)
            {
                return _applied.Values.Sum(v => v.Applied);
            }
        }
    }

    public List<TestRecord> FirstDeliveries()
    {
        var seen = new HashSet<(int, long)>();
        return [.. Deliveries.Where(r => seen.Add((r.Partition, r.Offset)))];
    }

    /// <summary>Applies what is above the partition's watermark; returns the next offset of the partition.</summary>
    public long Apply(int partition, IEnumerable<TestRecord> records)
    {
        lock (_applied)
        {
            var (watermark, applied) = _applied.GetValueOrDefault(partition, (-1, 0));
            foreach (var record in records)
            {
                Deliveries.Enqueue(record);
                if (record.Offset > watermark)
                {
                    watermark = record.Offset;
                    applied++;
                }
            }

            _applied[partition] = (watermark, applied);
            return watermark + 1;
        }
    }
}

public interface IRecordingGrain : IGrainWithIntegerKey
{
    Task Deactivate();
}

/// <summary>Consumes one partition's stream in batches and declares what it applied durable.</summary>
[ImplicitStreamSubscription(TestStreams.Namespace)]
public sealed class RecordingGrain(IOptions<ClusterOptions> cluster) : Grain, IRecordingGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<TestRecord>
{
    private readonly RecordingSink _sink = RecordingSink.For(cluster.Value.ClusterId);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<TestRecord>().ResumeAsync(this, _sink.ResumeFrom);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task OnNextAsync(IList<SequentialItem<TestRecord>> items)
    {
        if (_sink.Gate is { } gate)
        {
            await gate.Task;
        }

        foreach (var item in items)
        {
            if (item.Token is not KafkaSequenceToken token || token.SequenceNumber != item.Item.Offset || token.EventIndex != 0)
            {
                Interlocked.Increment(ref _sink.TokenMismatches);
                continue;
            }

            _sink.Epochs.Enqueue((item.Item, token.Epoch));
        }

        var partition = (int)this.GetPrimaryKeyLong();
        var next = _sink.Apply(partition, items.Select(i => i.Item));
        if (!_sink.Declaring)
        {
            return;
        }

        await KafkaCheckpoint.Get(GrainFactory, TestStreams.Provider, partition).DeclareDurableAsync(next);
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
