using Encore.Features;
using Encore.Pipeline;
using Encore.Ranking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Encore.Grains.Tests.Cluster;

/// <summary>
/// One two-silo test cluster for the grain tests: memory streams standing in for Kafka, memory
/// storage, and feature grains that buffer their writes (5 changes, no timer) so that durability
/// bookkeeping is exercised, not short-circuited.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Queues = 4;

    /// <summary>"Now" of the event-time windows in every silo; tests move it, Orleans keeps its own clock.</summary>
    public static FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 30, TimeSpan.Zero));

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await StreamAgents.SettledAsync(Cluster, Constants.StreamProvider, Queues);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddEncoreMemoryStorage();
            silo.AddMemoryStreams(Constants.StreamProvider, streams =>
            {
                streams.ConfigurePartitioning(Queues);
                streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
                streams.ConfigurePullingAgent(agent => agent.Configure(o =>
                {
                    o.BatchContainerBatchSize = 64;
                    o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
                }));
            });
            silo.AddEncoreFeatures();
            silo.Services.AddKeyedSingleton<TimeProvider>(Clocks.Windows, Clock);
            silo.Services.Configure<FeatureStateOptions>(o =>
            {
                o.ApplyIsDurable = false;
                o.WriteEveryEvents = 5;
                o.WriteInterval = TimeSpan.FromHours(1);
            });
            silo.Services.Configure<PipelineOptions>(o =>
            {
                o.DeclareInterval = TimeSpan.FromMilliseconds(50);
                o.TrendingFlushInterval = TimeSpan.FromMilliseconds(50);
            });

            // Which plays get a training snapshot must depend on the eventId alone here: with the
            // per-second limit, tests running at once would take each other's snapshots away.
            silo.Services.Configure<RankerOptions>(o => o.SnapshotsPerSecond = 0);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.AddMemoryStreams(Constants.StreamProvider, streams =>
            {
                streams.ConfigurePartitioning(Queues);
                streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
