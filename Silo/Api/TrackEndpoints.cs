using System.ComponentModel;
using Encore.Catalog;
using Encore.Tracks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class TrackEndpoints
{
    public static void MapTrackEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/tracks/{trackId}", GetTrackAsync)
            .WithTags("Tracks")
            .WithName("GetTrack")
            .WithSummary("A catalog track with its live statistics: plays in event-time windows, completion, co-listened and similar tracks.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TrackView>, ProblemHttpResult>> GetTrackAsync(
        [Description("The catalog's track id.")] string trackId, CatalogHolder catalog, IGrainFactory grains)
    {
        if (!ApiProblems.TryCheckValue("trackId", trackId, out var invalid))
        {
            return invalid!;
        }

        // Check the catalog first so that unknown ids never activate a grain.
        if (!(await catalog.Loaded).Contains(trackId) || await grains.GetGrain<ITrackGrain>(trackId).GetAsync() is not { } track)
        {
            return ApiProblems.NotFound("Unknown track", $"Track '{trackId}' is not in the catalog.");
        }

        return TypedResults.Ok(track);
    }
}
