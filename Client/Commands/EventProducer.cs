using Confluent.Kafka;
using Encore.Events;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// The producer every verb that writes listening events shares (<c>generate</c>, <c>replay</c>,
/// <c>evaluate</c>): idempotent, keyed by user id with Java's partitioner, counting deliveries and
/// keeping the last Kafka error for the closing summary instead of printing it through the progress bar.
/// </summary>
internal sealed class EventProducer : IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(5);

    private readonly IProducer<string, byte[]> _producer;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivery;
    private readonly TimeProvider _time;
    private long _delivered;
    private long _failed;
    private volatile string? _lastError;
    private volatile bool _fatal;

    /// <summary>
    /// A producer to <paramref name="topic"/> at <paramref name="bootstrap"/>; <paramref name="clientId"/> names
    /// the verb in the brokers' logs, and <paramref name="properties"/> (<c>-X name=value</c>) are applied last.
    /// </summary>
    public EventProducer(
        string bootstrap,
        string topic,
        string clientId,
        IReadOnlyList<KeyValuePair<string, string>> properties,
        TimeProvider time)
    {
        Bootstrap = bootstrap;
        Topic = topic;
        _time = time;
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = clientId,
            // Exactly-once into the log per producer session: retries never duplicate or reorder.
            EnableIdempotence = true,
            Acks = Acks.All,
            // Batches of 50 ms: these verbs produce in bulk, and the embedded dev cluster answers a fetch
            // with one batch per partition and finds it by walking the partition's batches in order. At
            // 5 ms, 5 000 plays/s over 16 partitions made batches of one or two plays: the dev cluster
            // used most of a core and the silo read 4 200 plays/s while 5 000 were produced
            // (docs/performance.md).
            LingerMs = 50,
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            QueueBufferingMaxMessages = 500_000,
            MessageTimeoutMs = 60_000,
            // Java's partitioner, so that every producer (generate, replay, the silo's API, Java
            // tools) puts a user's events on the same partition.
            Partitioner = Partitioner.Murmur2Random,
        };
        foreach (var (name, value) in properties)
        {
            config.Set(name, value);
        }

        _onDelivery = OnDelivery;
        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                _lastError = error.Reason;
                _fatal |= error.IsFatal;
            })
            // librdkafka's own log lines would tear through the progress bar; keep the last warning for the summary.
            .SetLogHandler((_, message) =>
            {
                if (message.Level <= SyslogLevel.Warning)
                {
                    _lastError = message.Message;
                }
            })
            .Build();
    }

    public string Bootstrap { get; }

    public string Topic { get; }

    /// <summary>Events handed to the producer so far.</summary>
    public long Produced { get; private set; }

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events Kafka refused or that were still queued when the flush gave up.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public string? LastError => _lastError;

    /// <summary>librdkafka reported a fatal error: nothing more will be delivered by this producer.</summary>
    public bool Fatal => _fatal;

    /// <summary>The topic's partition count, or null (after saying why) when Kafka or the topic is not there.</summary>
    public int? PartitionCount(IAnsiConsole console)
    {
        try
        {
            using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
            var metadata = admin.GetMetadata(Topic, MetadataTimeout);
            var topic = metadata.Topics.SingleOrDefault(t => t.Topic == Topic);
            if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
            {
                var reason = topic?.Error.Reason ?? "not in the metadata";
                console.MarkupLineInterpolated(
                    $"[red]Topic {Topic} is not available at {Bootstrap}: {reason}.[/] Create it (kafka-dev does), or pass --topic.");
                return null;
            }

            return topic.Partitions.Count;
        }
        catch (KafkaException e)
        {
            console.MarkupLineInterpolated($"[red]Cannot reach Kafka at {Bootstrap}: {e.Error.Reason}.[/]");
            return null;
        }
    }

    /// <summary>Queues one event keyed by its user id, waiting while librdkafka's local queue is full.</summary>
    public async ValueTask ProduceAsync(ListeningEvent play, CancellationToken cancellationToken)
    {
        var message = new Message<string, byte[]> { Key = play.UserId, Value = EventJson.Serialize(play) };
        while (true)
        {
            try
            {
                _producer.Produce(Topic, message, _onDelivery);
                break;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
            {
                // The local queue is full: wait for deliveries to drain it.
                await Task.Delay(QueueFullBackoff, _time, cancellationToken);
            }
        }

        Produced++;
    }

    /// <summary>
    /// Produces every play at <paramref name="rate"/> per second (0: no limit), calling
    /// <paramref name="afterEach"/> after each; false when cancelled or stopped by a fatal Kafka error first.
    /// </summary>
    public async Task<bool> ProduceAllAsync(IEnumerable<ListeningEvent> plays, double rate, Action afterEach, CancellationToken cancellationToken)
    {
        var pacer = new Pacer(rate, _time);
        var sent = 0L;
        try
        {
            foreach (var play in plays)
            {
                if (_fatal)
                {
                    return false;
                }

                await pacer.WaitForAsync(sent++, cancellationToken);
                await ProduceAsync(play, cancellationToken);
                afterEach();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return !_fatal;
    }

    /// <summary>Waits for every queued event; what is still queued after the timeout counts as failed.</summary>
    public void Flush()
    {
        var undelivered = _producer.Flush(FlushTimeout);
        if (undelivered > 0)
        {
            // Still queued after the timeout: they will not be delivered by this process.
            Interlocked.Add(ref _failed, undelivered);
            _lastError ??= $"{undelivered} messages still queued after {FlushTimeout.TotalSeconds:N0} s";
        }
    }

    /// <summary>Adds the delivery rows every producing verb ends its summary with.</summary>
    public void AddSummaryRows(Table table, TimeSpan elapsed)
    {
        var delivered = Delivered;
        var failed = Failed;
        table.AddRow("events produced", $"{Produced:N0}");
        table.AddRow("events delivered", $"{delivered:N0}");
        table.AddRow(failed > 0 ? "[red]delivery failures[/]" : "delivery failures", $"{failed:N0}");
        table.AddRow("elapsed", $"{elapsed.TotalSeconds:N1} s");
        table.AddRow("events/s (delivered)", $"{delivered / Math.Max(elapsed.TotalSeconds, 1e-3):N0}");
        table.AddRow("topic", Markup.Escape($"{Topic} at {Bootstrap}"));
    }

    public void AddLastErrorRow(Table table)
    {
        if (LastError is { } error)
        {
            table.AddRow("last Kafka error", Markup.Escape(error));
        }
    }

    public void Dispose() => _producer.Dispose();

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            _lastError = report.Error.Reason;
            Interlocked.Increment(ref _failed);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
        }
    }
}
