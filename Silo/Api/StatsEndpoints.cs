using Encore.Stats;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class StatsEndpoints
{
    public static void MapStatsEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/stats", GetStatsAsync).WithTags("Stats");

    private static async Task<Ok<PipelineStatsSnapshot>> GetStatsAsync(IGrainFactory grains) =>
        TypedResults.Ok(await ClusterStats.GetAsync(grains));
}
