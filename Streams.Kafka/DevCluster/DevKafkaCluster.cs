using Confluent.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Encore.Streams.Kafka.DevCluster;

/// <summary>
/// An in-memory Kafka cluster for development and tests: librdkafka's mock cluster, run inside this
/// process on the librdkafka that Confluent.Kafka ships. Its brokers listen on 127.0.0.1 and speak the
/// Kafka protocol, so any Kafka client, in this process or another, can use <see cref="BootstrapServers"/>.
/// </summary>
/// <remarks>
/// Not a Kafka broker: each partition keeps only its newest ~5 MB (at most 100 000 record batches),
/// nothing is persisted, a broker taken down keeps leading its partitions (no leader election), and
/// the Admin API's CreateTopics is not served (use <see cref="CreateTopic"/>). Every member is safe to
/// call from any thread; after <see cref="Dispose"/> the others throw <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class DevKafkaCluster : IDisposable, IAsyncDisposable
{
    /// <summary>
    /// How long a new consumer group waits for more members before its first assignment. Kafka's
    /// (and the mock's) default is 3 s; this one lets consumers started together land in one
    /// assignment without making every test wait.
    /// </summary>
    public static readonly TimeSpan DefaultGroupInitialRebalanceDelay = TimeSpan.FromMilliseconds(100);

    private static readonly Dictionary<string, string> ClientSettings = new()
    {
        ["client.id"] = "encore-dev-kafka",
        // The handle never connects anywhere; without this it logs a notice that bootstrap.servers is empty.
        ["log_level"] = "4",
    };

    private readonly Lock _lock = new();
    private readonly LibrdkafkaMockApi _api;
    private readonly MockClusterHandle _cluster;

    private DevKafkaCluster(LibrdkafkaMockApi api, MockClusterHandle cluster, int brokerCount, string bootstrapServers)
    {
        _api = api;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses, comma-separated, for a client's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>The librdkafka file the cluster runs on (the one Confluent.Kafka loaded).</summary>
    public string NativeLibraryPath => _api.LibraryPath;

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers on free ports of 127.0.0.1.</summary>
    /// <exception cref="InvalidOperationException">librdkafka could not be bound or refused to create the cluster.</exception>
    public static DevKafkaCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);

        var api = LibrdkafkaMockApi.Instance;
        var client = api.CreateClient(ClientSettings);
        var cluster = api.MockClusterNew(client, brokers);
        if (cluster == 0)
        {
            api.DestroyClient(client);
            throw new InvalidOperationException(
                $"librdkafka mock cluster could not be created: rd_kafka_mock_cluster_new refused {brokers} brokers " +
                $"(librdkafka {Library.VersionString} at {api.LibraryPath}); librdkafka's log on stderr says why, " +
                "usually that no port on 127.0.0.1 could be bound.");
        }

        var handle = new MockClusterHandle(api, client, cluster);
        api.MockGroupInitialRebalanceDelay(cluster, (int)DefaultGroupInitialRebalanceDelay.TotalMilliseconds);
        return new DevKafkaCluster(api, handle, brokers, api.MockClusterBootstraps(cluster));
    }

    /// <summary>
    /// Creates a topic. Do this before clients use it: the mock creates unknown topics a producer asks
    /// for with 4 partitions, and it does not serve the Admin API's CreateTopics.
    /// </summary>
    /// <exception cref="KafkaException">The cluster refused, e.g. <see cref="ErrorCode.TopicAlreadyExists"/>.</exception>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        lock (_lock)
        {
            ThrowIfFailed(
                _api.MockTopicCreate(Handle(), topic, partitions, replicationFactor),
                $"Topic '{topic}' ({partitions} partitions, replication factor {replicationFactor}) could not be created");
        }
    }

    /// <summary>
    /// Disconnects broker <paramref name="brokerId"/> and refuses new connections to it. Its partitions
    /// keep it as leader, so they are unavailable until <see cref="SetBrokerUp"/>.
    /// </summary>
    public void SetBrokerDown(int brokerId)
    {
        CheckBrokerId(brokerId);
        lock (_lock)
        {
            ThrowIfFailed(_api.MockBrokerSetDown(Handle(), brokerId), $"Broker {brokerId} could not be set down");
        }
    }

    /// <summary>Lets broker <paramref name="brokerId"/> accept connections again.</summary>
    public void SetBrokerUp(int brokerId)
    {
        CheckBrokerId(brokerId);
        lock (_lock)
        {
            ThrowIfFailed(_api.MockBrokerSetUp(Handle(), brokerId), $"Broker {brokerId} could not be set up");
        }
    }

    /// <summary>
    /// Makes the next requests with Kafka API key <paramref name="apiKey"/> (0 Produce, 1 Fetch,
    /// 3 Metadata, 8 OffsetCommit, 11 JoinGroup, 22 InitProducerId, ...) fail, on whichever broker
    /// they arrive, with <paramref name="errors"/> in order: one error per request.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(apiKey);
        ArgumentNullException.ThrowIfNull(errors);
        lock (_lock)
        {
            _api.MockPushRequestErrors(Handle(), apiKey, errors);
        }
    }

    /// <summary>Sets how long a new consumer group waits for more members before its first assignment.</summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_lock)
        {
            _api.MockGroupInitialRebalanceDelay(Handle(), checked((int)delay.TotalMilliseconds));
        }
    }

    /// <summary>Closes the listeners and drops every message. Safe to call more than once, from any thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _cluster.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => $"Dev Kafka cluster, {BrokerCount} brokers at {BootstrapServers}";

    private nint Handle()
    {
        ObjectDisposedException.ThrowIf(_cluster.IsClosed, this);
        return _cluster.DangerousGetHandle();
    }

    private void CheckBrokerId(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(brokerId), brokerId, $"Broker ids of this cluster are 1 to {BrokerCount}.");
        }
    }

    private static void ThrowIfFailed(ErrorCode code, string what)
    {
        if (code != ErrorCode.NoError)
        {
            throw new KafkaException(new Error(code, $"{what}: {code.GetReason()}"));
        }
    }
}
