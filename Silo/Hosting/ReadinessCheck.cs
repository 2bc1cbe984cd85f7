using Encore.Catalog;
using Encore.Recommendations;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Encore.Silo.Hosting;

/// <summary>Ready once the catalog is loaded and the recommender's index is built.</summary>
internal sealed class ReadinessCheck(CatalogHolder catalog, RecommenderData recommender) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            catalog.Loaded.IsFaulted ? HealthCheckResult.Unhealthy($"The catalog failed to load: {catalog.Loaded.Exception!.GetBaseException().Message}")
            : !catalog.IsLoaded ? HealthCheckResult.Unhealthy("The catalog is still loading.")
            : recommender.Ready.IsFaulted ? HealthCheckResult.Unhealthy($"The recommendation index failed to build: {recommender.Ready.Exception!.GetBaseException().Message}")
            : !recommender.IsReady ? HealthCheckResult.Unhealthy("The recommendation index is still being built.")
            : HealthCheckResult.Healthy($"The catalog ({catalog.Loaded.Result.Tracks.Count} tracks) is loaded and the recommendation index built."));
}
