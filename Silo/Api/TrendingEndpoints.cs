using System.ComponentModel;
using Encore.Catalog;
using Encore.Trending;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Encore.Silo.Api;

internal static class TrendingEndpoints
{
    public static void MapTrendingEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/trending", GetTrendingAsync)
            .WithTags("Trending")
            .WithName("GetTrending")
            .WithSummary("The most played tracks of the last 24 h of event time, over all genres or one.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

    private static async Task<Results<Ok<TrendingResponse>, ProblemHttpResult>> GetTrendingAsync(
        [FromQuery, Description("A catalog genre; all genres when left out.")] string? genre,
        [FromQuery, Description("How many tracks, an integer from 1 to 100; 20 when left out.")] string? count, CatalogHolder catalogHolder, IGrainFactory grains)
    {
        if (!ApiProblems.TryCheckValue("genre", genre, out var invalid))
        {
            return invalid!;
        }

        if (!ApiProblems.TryParseCount(count, 20, out var n, out var problem))
        {
            return problem!;
        }

        var catalog = await catalogHolder.Loaded;
        var key = string.IsNullOrWhiteSpace(genre) ? TrendingKeys.All : genre.Trim();
        if (key != TrendingKeys.All && catalog.TracksOfGenre(key).Count == 0)
        {
            return ApiProblems.BadRequest("Unknown genre", $"genre '{key}' is not a catalog genre; leave it out for all genres.");
        }

        var top = await grains.GetGrain<ITrendingGrain>(key).GetTopAsync(n);
        return TypedResults.Ok(new TrendingResponse(key, [.. top.Select(t =>
        {
            catalog.TryGet(t.TrackId, out var track);
            return new TrendingTrack(t.TrackId, track?.TrackName ?? "", track?.Artists ?? [], track?.Genres ?? [], t.Plays, t.LastPlayTs);
        })]));
    }
}

internal sealed record TrendingResponse(string Genre, TrendingTrack[] Items);

/// <summary>A trending track with its catalog names; <c>Plays</c> counts the last 24 h of event time.</summary>
internal sealed record TrendingTrack(string TrackId, string TrackName, string[] Artists, string[] Genres, long Plays, DateTimeOffset LastPlayTs);
