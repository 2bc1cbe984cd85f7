using Encore.Catalog;
using Encore.Features;
using Encore.Pipeline;
using Encore.Recommendations;
using Encore.Similarity;
using Encore.Stats;
using Encore.Warehouse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Orleans.Hosting;

public static class FeatureSiloBuilderExtensions
{
    /// <summary>
    /// The in-silo services the feature and recommendation grains use: the catalog (loaded in the
    /// background at start), the recommender's precomputed data, this silo's pipeline counters, the
    /// clock of event-time windows, the placement of per-silo stats grains and a warehouse sink that
    /// takes nothing (the PostgreSQL wiring replaces it). Storage and streams are the host's business.
    /// </summary>
    public static ISiloBuilder AddEncoreFeatures(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.TryAddSingleton<CatalogHolder>();
        services.TryAddSingleton<RecommenderData>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<OccurrenceCache>(sp, TimeProvider.System));
        services.TryAddSingleton<PipelineStats>();
        services.TryAddSingleton<IPipelineStats>(sp => sp.GetRequiredService<PipelineStats>());
        services.TryAddKeyedSingleton(Clocks.Windows, TimeProvider.System);
        services.TryAddSingleton<IWarehouseSink, NullWarehouseSink>();
        services.TryAddSingleton<IDeadLetters, LoggedDeadLetters>();
        services.AddHostedService<FeatureWarmup>();
        silo.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        return silo;
    }

    /// <summary>Starts loading the catalog and building the index as soon as the silo starts, not on the first request.</summary>
    private sealed class FeatureWarmup(RecommenderData data) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = data.Ready;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
