using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.Logging;

namespace Encore.Streams.Kafka.Providers;

/// <summary>What the adapter and every receiver of one provider share: resolved names, clients, counters.</summary>
internal sealed class KafkaProviderContext : IDisposable
{
    private readonly Lazy<IProducer<byte[], byte[]>> _producer;

    public KafkaProviderContext(
        string providerName, KafkaStreamOptions options, string serviceId, string clusterId,
        IKafkaDataAdapter dataAdapter, KafkaStreamStatistics statistics, IGrainFactory grainFactory, ILoggerFactory loggerFactory)
    {
        ProviderName = providerName;
        Options = options;
        Topic = options.Resolve(options.Topic, serviceId, clusterId);
        DeadLetterTopic = options.Resolve(options.DeadLetterTopic, serviceId, clusterId);
        ConsumerGroup = options.Resolve(options.ConsumerGroup, serviceId, clusterId);
        DataAdapter = dataAdapter;
        Statistics = statistics;
        GrainFactory = grainFactory;
        LoggerFactory = loggerFactory;
        _producer = new Lazy<IProducer<byte[], byte[]>>(CreateProducer);
        PollLoop = new KafkaPollLoop(this, loggerFactory.CreateLogger<KafkaReceiver>());
    }

    public string ProviderName { get; }
    public KafkaStreamOptions Options { get; }
    public string Topic { get; }
    public string DeadLetterTopic { get; }
    public string ConsumerGroup { get; }
    public IKafkaDataAdapter DataAdapter { get; }
    public KafkaStreamStatistics Statistics { get; }
    public IGrainFactory GrainFactory { get; }
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The one consumer of this provider on this silo, which every receiver reads through.</summary>
    public KafkaPollLoop PollLoop { get; }

    /// <summary>One idempotent producer for writes through Orleans and dead letters.</summary>
    public IProducer<byte[], byte[]> Producer => _producer.Value;

    public IConsumer<byte[], byte[]> CreateConsumer()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            GroupId = ConsumerGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = Options.StartFrom,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 10,
            // What librdkafka fetches ahead of the poll loop, for all partitions together (64 MB by
            // default). Pausing a partition whose read-ahead is full throws away what librdkafka had
            // fetched for it, to be fetched again on resume: more only meant more fetched twice.
            QueuedMaxMessagesKbytes = 16_384,
            // Once that queue is full, librdkafka postpones each partition's next fetch by this, a
            // second by default: partitions whose read-ahead ran dry waited for it while the silo's
            // cores idled a sixth of a cold pass (docs/performance.md).
            FetchQueueBackoffMs = 10,
            // The provider reads neither the topic name nor the headers of what it consumes; marshalled,
            // they were objects made for every message held in the read-ahead. Options.Consumer may ask
            // for them again ("all") for a data adapter that reads headers.
            ConsumeResultFields = "timestamp",
            SocketNagleDisable = true,
        };
        Apply(config, Options.Consumer);
        return new ConsumerBuilder<byte[], byte[]>(config).Build();
    }

    /// <summary>Writes a rejected message to the dead-letter topic with its reason and origin in headers.</summary>
    public Task DeadLetter(ConsumeResult<byte[], byte[]> message, string reason)
    {
        var headers = new Headers
        {
            { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason) },
            { DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(message.Partition.Value.ToString(CultureInfo.InvariantCulture)) },
            { DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(message.Offset.Value.ToString(CultureInfo.InvariantCulture)) },
        };
        return Producer.ProduceAsync(DeadLetterTopic, new Message<byte[], byte[]>
        {
            Key = message.Message.Key,
            Value = message.Message.Value,
            Headers = headers,
            Timestamp = message.Message.Timestamp,
        });
    }

    /// <summary>
    /// Creates the topics when missing and returns the partition count of the topic, which is what
    /// every queue count derives from.
    /// </summary>
    public int EnsureTopics()
    {
        var config = new AdminClientConfig { BootstrapServers = Options.BootstrapServers };
        Apply(config, Options.Producer);
        using var admin = new AdminClientBuilder(config).Build();
        var timeout = TimeSpan.FromSeconds(30);
        if (Options.CreateTopics)
        {
            // Metadata of all topics does not auto-create any; only what is missing is created.
            var existing = admin.GetMetadata(timeout).Topics.Where(t => !t.Error.IsError).Select(t => t.Topic).ToHashSet();
            var missing = new[] { Topic, DeadLetterTopic }.Where(t => !existing.Contains(t)).ToList();
            if (missing.Count > 0)
            {
                Create(admin, missing);
            }
        }

        var metadata = admin.GetMetadata(Topic, timeout);
        var topic = metadata.Topics.SingleOrDefault(t => t.Topic == Topic);
        if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
        {
            throw new InvalidOperationException(
                $"Kafka topic '{Topic}' is not available at {Options.BootstrapServers}: {topic?.Error.Reason ?? "no metadata"}. Create it, or set CreateTopics.");
        }

        return topic.Partitions.Count;
    }

    private void Create(IAdminClient admin, List<string> topics)
    {
        try
        {
            admin.CreateTopicsAsync(
                topics.Select(t => new TopicSpecification { Name = t, NumPartitions = Options.Partitions, ReplicationFactor = Options.ReplicationFactor }),
                new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(15), OperationTimeout = TimeSpan.FromSeconds(15) })
                .GetAwaiter().GetResult();
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is Confluent.Kafka.ErrorCode.TopicAlreadyExists or Confluent.Kafka.ErrorCode.NoError))
        {
        }
        catch (KafkaException e)
        {
            // Some clusters (librdkafka's mock among them) do not serve CreateTopics; the metadata check
            // that follows tells whether the topic is there after all.
            LoggerFactory.CreateLogger<KafkaProviderContext>().LogWarning("Could not create Kafka topics {Topics}: {Reason}", string.Join(", ", topics), e.Error.Reason);
        }
    }

    private IProducer<byte[], byte[]> CreateProducer()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 1,
            Partitioner = Partitioner.Murmur2Random,
            SocketNagleDisable = true,
        };
        Apply(config, Options.Producer);
        return new ProducerBuilder<byte[], byte[]>(config).Build();
    }

    private static void Apply(ClientConfig config, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(10));
            _producer.Value.Dispose();
        }
    }
}
