using System.Net;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Storage;
using Encore.Warehouse;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Encore.Silo.Hosting;

internal static partial class PostgresHosting
{
    /// <summary>The ADO.NET invariant of Npgsql, which the Orleans providers load by name.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Grains that hold the state of memory storage (Orleans' default is 10).</summary>
    public const int MemoryStorageGrains = 64;

    /// <summary>
    /// The one place that decides where the cluster keeps what must outlive a silo. With
    /// <c>ConnectionStrings:Postgres</c> empty: localhost clustering (the other silos join the one on
    /// <see cref="OrleansSettings.PrimarySiloPort"/>) and in-memory grain storage. Set: membership,
    /// grain state, reminders and the warehouse on PostgreSQL, the silo advertising
    /// <see cref="OrleansSettings.AdvertisedIPAddress"/> (127.0.0.1 when empty).
    /// </summary>
    public static ISiloBuilder UseEncoreClusteringAndStorage(this ISiloBuilder silo, IConfiguration configuration, OrleansSettings orleans)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            silo.UseLocalhostClustering(
                orleans.SiloPort,
                orleans.GatewayPort,
                new IPEndPoint(IPAddress.Loopback, orleans.PrimarySiloPort ?? orleans.SiloPort),
                orleans.ServiceId,
                orleans.ClusterId);
            // Every activation reads its state from one of these grains: more of them than Orleans' 10,
            // so that a burst of new listeners does not queue behind a few (docs/performance.md).
            silo.AddEncoreMemoryStorage(MemoryStorageGrains);
            return silo;
        }

        var address = string.IsNullOrWhiteSpace(orleans.AdvertisedIPAddress) ? IPAddress.Loopback : IPAddress.Parse(orleans.AdvertisedIPAddress);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = orleans.ClusterId;
            o.ServiceId = orleans.ServiceId;
        });
        silo.ConfigureEndpoints(address, orleans.SiloPort, orleans.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        return silo.UseEncorePostgres(connectionString);
    }

    /// <summary>
    /// Everything durable on PostgreSQL through the Orleans ADO.NET providers (invariant
    /// <see cref="Invariant"/>, SQL in <c>Grains/Storage/Migrations</c>): cluster membership, grain
    /// state (Orleans' binary serializer, the same codecs the grains' state types declare), reminders;
    /// the schema migrated at start unless <c>Postgres:MigrateOnStart</c> is false; and the warehouse
    /// sink. Feature grains then declare offsets durable only once they have written them.
    /// Endpoints and cluster ids are the caller's (the silo's configuration, or a test cluster's).
    /// </summary>
    public static ISiloBuilder UseEncorePostgres(this ISiloBuilder silo, string connectionString)
    {
        // Read here, not through IOptions: the providers take their connection strings while the silo is built.
        var pools = EarlySettings.Validated(
            silo.Configuration.GetSection($"{PostgresOptions.SectionName}:Pools").Get<PostgresPools>() ?? new PostgresPools(), "Postgres:Pools");

        var clustering = PostgresPools.For(connectionString, "clustering", pools.Clustering);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = clustering;
        });

        // Readiness asks through the membership pool: the same connection string, so no connection beyond the budget.
        silo.Services.AddHealthChecks().AddCheck("postgres", new PostgresReadinessCheck(clustering), tags: [ReadinessCheck.Tag]);
        silo.AddAdoNetGrainStorage(Constants.GrainStorage, (OptionsBuilder<AdoNetGrainStorageOptions> storage) =>
            storage.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = PostgresPools.For(connectionString, "grain-storage", pools.GrainStorage);
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = PostgresPools.For(connectionString, "reminders", pools.Reminders);
        });

        var services = silo.Services;
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.SectionName);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new MigrateOnStart(
            connectionString,
            sp.GetRequiredService<IOptions<PostgresOptions>>(),
            sp.GetRequiredService<ILoggerFactory>()));

        services.AddOptions<WarehouseOptions>().BindConfiguration(WarehouseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new WarehouseSink(
            PostgresPools.For(connectionString, "warehouse", pools.Warehouse),
            sp.GetRequiredService<IOptions<WarehouseOptions>>(),
            sp.GetRequiredService<ILogger<WarehouseSink>>()));
        services.Replace(ServiceDescriptor.Singleton<IWarehouseSink>(sp => sp.GetRequiredService<WarehouseSink>()));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<WarehouseSink>());

        // Model versions in table ranker.models, shared by every silo, instead of one grain's memory.
        services.AddSingleton<IModelRegistry>(new PostgresModelRegistry(PostgresPools.For(connectionString, "ranker", 2)));

        // Grain state now outlives the silo only once written: feature grains keep writing in batches
        // (FeatureState:WriteEveryEvents / WriteInterval) and report offsets durable after each write.
        services.PostConfigure<FeatureStateOptions>(o => o.ApplyIsDurable = false);
        return silo;
    }

    /// <summary>Applies the schema migrations before anything in the silo touches the database.</summary>
    private sealed partial class MigrateOnStart(string connectionString, IOptions<PostgresOptions> options, ILoggerFactory loggers)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle)
        {
            if (options.Value.MigrateOnStart)
            {
                lifecycle.Subscribe(nameof(MigrateOnStart), ServiceLifecycleStage.First, MigrateAsync);
            }
        }

        private async Task MigrateAsync(CancellationToken cancellationToken)
        {
            var applied = await new MigrationRunner(connectionString, loggers.CreateLogger<MigrationRunner>()).ApplyAsync(cancellationToken);
            LogSchemaReady(loggers.CreateLogger<MigrateOnStart>(), applied.Count, MigrationRunner.Migrations[^1].ToString());
        }

        [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "PostgreSQL schema is at {Latest} ({Applied} migrations applied at this start)")]
        private static partial void LogSchemaReady(ILogger logger, int applied, string latest);
    }
}
