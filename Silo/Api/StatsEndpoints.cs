using Encore.Stats;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class StatsEndpoints
{
    public static void MapStatsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/stats", GetStatsAsync)
            .WithTags("Stats")
            .WithName("GetStats")
            .WithSummary("Pipeline counters summed over the cluster: events processed, rejected, duplicates, events per second, partitions.");
        api.MapGet("/stats/latency", GetLatency)
            .WithTags("Stats")
            .WithName("GetRecommendationLatency")
            .WithSummary("Percentiles of the recommendation requests this silo answered in the last 10 s, in milliseconds.");
    }

    private static async Task<Ok<PipelineStatsSnapshot>> GetStatsAsync(IGrainFactory grains) =>
        TypedResults.Ok(await ClusterStats.GetAsync(grains));

    /// <summary>
    /// This silo's, not the cluster's: the same requests its <c>encore.recommendation.duration</c>
    /// histogram counts, for a chart; Prometheus sums the histogram over silos.
    /// </summary>
    private static Ok<LatencySummary> GetLatency(EncoreTelemetry telemetry) =>
        TypedResults.Ok(telemetry.RecentRecommendations.Summarize());
}
