using Encore.Catalog;
using Encore.Features;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Recommendations;
using Encore.Similarity;
using Encore.Stats;
using Encore.Warehouse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Hosting;

public static class FeatureSiloBuilderExtensions
{
    /// <summary>Grain addresses of other silos a silo keeps (Orleans' <see cref="GrainDirectoryOptions.CacheSize"/>).</summary>
    public const int DirectoryCacheSize = 20_000;

    /// <summary>
    /// The in-silo services the feature and recommendation grains use: the catalog (loaded in the
    /// background at start), the recommender's precomputed data, this silo's pipeline counters and the
    /// metrics and traces that expose them (<see cref="EncoreTelemetry"/>), the
    /// clock of event-time windows, the placement of per-silo stats grains, a warehouse sink that
    /// takes nothing (the PostgreSQL wiring replaces it) and the ranker (its model holder, registry,
    /// trainer and the poller that swaps in published models). Storage and streams are the host's business.
    /// </summary>
    public static ISiloBuilder AddEncoreFeatures(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.TryAddSingleton<CatalogHolder>();
        services.TryAddSingleton<RecommenderData>();
        services.TryAddSingleton<SharedLists>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<OccurrenceCache>(sp, TimeProvider.System));
        services.TryAddSingleton<PipelineStats>();
        services.TryAddSingleton<BatchGate>();
        services.TryAddSingleton<IPipelineStats>(sp => sp.GetRequiredService<PipelineStats>());
        services.AddMetrics();
        services.TryAddSingleton<EncoreTelemetry>();
        services.TryAddKeyedSingleton(Clocks.Windows, TimeProvider.System);
        services.TryAddSingleton<IWarehouseSink, NullWarehouseSink>();
        services.TryAddSingleton<IDeadLetters, LoggedDeadLetters>();
        services.AddHostedService<FeatureWarmup>();
        services.AddOptions<SimilarityOptions>();
        services.TryAddSingleton<CoOccurrenceFigures>();

        // The ranker: the model in place, the registry (one grain's memory unless the PostgreSQL wiring
        // registered its own), training on whichever silo hosts the trainer grain, polling on every silo.
        services.AddOptions<RankerOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RankerOptions>, RankerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ActiveRanker>();
        services.TryAddSingleton<IModelRegistry, GrainModelRegistry>();
        services.TryAddSingleton<RankerTrainingService>();
        services.TryAddSingleton<TrainingLog>();
        services.TryAddSingleton<SnapshotTaker>();
        services.TryAddSingleton<ModelRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelRefresher>());
        silo.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();

        // Orleans sizes its cache of other silos' grain addresses for a million grains and allocates
        // it whole at start (18.6 MB). Encore's addressable grains are its buckets, partitions and
        // singletons, a few thousand at most; listeners and tracks are rows inside buckets, and the
        // per-request grains are stateless workers, which are never in the directory.
        silo.Configure<GrainDirectoryOptions>(options => options.CacheSize = DirectoryCacheSize);
        return silo;
    }

    /// <summary>
    /// Grain storage in the silo's memory under <see cref="Encore.Constants.GrainStorage"/>, written with Orleans'
    /// own serializer, as the PostgreSQL storage is: the memory storage's default, JSON, writes only what
    /// a type shows in public properties, and read a listener's affinities (<see cref="DecayingScores"/>)
    /// and a bucket's partner lists back empty, so a listener idle long enough to leave memory came back
    /// without them.
    /// </summary>
    /// <param name="storageGrains">The grains that hold the records (Orleans' default is 10).</param>
    public static ISiloBuilder AddEncoreMemoryStorage(this ISiloBuilder silo, int storageGrains = 10) =>
        silo.AddMemoryGrainStorage(Encore.Constants.GrainStorage, (OptionsBuilder<MemoryGrainStorageOptions> storage) =>
            storage.Configure<Serializer>((options, serializer) =>
            {
                options.NumStorageGrains = storageGrains;
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

    /// <summary>
    /// Starts loading the catalog and building the index as soon as the silo starts, not on the first
    /// request; takes the telemetry so that its observable instruments exist before the first scrape.
    /// </summary>
    private sealed class FeatureWarmup(RecommenderData data, EncoreTelemetry telemetry) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = data.Ready;
            _ = telemetry;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
