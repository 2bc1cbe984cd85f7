using Encore.Events;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Encore.Storage.Tests.Infrastructure;

/// <summary>
/// Test clusters whose silos keep everything on PostgreSQL through the silo's own wiring
/// (<see cref="PostgresHosting.UseEncorePostgres"/>: the real Orleans ADO.NET providers on our
/// migrations), with Orleans' membership replaced by the PostgreSQL one, TCP between silos, and memory
/// streams standing in for Kafka. Several clusters may share one database and service id: that is a
/// restart of the same service.
/// </summary>
internal static class PostgresCluster
{
    public const int Queues = 4;
    public const string ConnectionStringKey = "Test:Postgres";

    public static async Task<TestCluster> StartAsync(
        string connectionString, string serviceId, short silos = 3, IReadOnlyDictionary<string, string>? settings = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = $"{serviceId}-{Guid.NewGuid():N}"[..40];
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties[ConnectionStringKey] = connectionString;
        builder.Properties["Warehouse:FlushInterval"] = "00:00:00.050";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await StreamAgents.SettledAsync(cluster, Constants.StreamProvider, Queues);
        return cluster;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.UseEncorePostgres(silo.Configuration[ConnectionStringKey]!);
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
            silo.Services.AddSingleton<IDeadLetters, RecordingDeadLetters>();
            silo.AddEncoreFeatures();
            silo.Services.AddOptions<FeatureStateOptions>().BindConfiguration(FeatureStateOptions.SectionName);
            silo.Services.AddOptions<RankerOptions>().BindConfiguration(RankerOptions.SectionName);
            silo.Services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName);
            silo.Services.Configure<PipelineOptions>(o =>
            {
                o.DeclareInterval = TimeSpan.FromMilliseconds(50);
                o.TrendingFlushInterval = TimeSpan.FromMilliseconds(50);
            });
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresHosting.Invariant;
                o.ConnectionString = configuration[ConnectionStringKey];
            });
            client.AddMemoryStreams(Constants.StreamProvider, streams =>
            {
                streams.ConfigurePartitioning(Queues);
                streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
        }
    }
}

/// <summary>The dead-letter topic of a test cluster's silo: what was set aside, with its reason.</summary>
internal sealed class RecordingDeadLetters : IDeadLetters
{
    public System.Collections.Concurrent.ConcurrentQueue<(PartitionEvent Event, string Reason)> Written { get; } = new();

    public Task WriteAsync(PartitionEvent poison, string reason)
    {
        Written.Enqueue((poison, reason));
        return Task.CompletedTask;
    }
}
