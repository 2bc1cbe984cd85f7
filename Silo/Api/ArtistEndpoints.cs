using System.ComponentModel;
using Encore.Recommendations;
using Encore.Similarity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class ArtistEndpoints
{
    public static void MapArtistEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/artists/{artist}", GetArtistAsync)
            .WithTags("Artists")
            .WithName("GetArtist")
            .WithSummary("An artist: how often listeners played them, the artists their listeners also play, their top tracks.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ArtistView>, ProblemHttpResult>> GetArtistAsync(
        [Description("The name exactly as the catalog spells it.")] string artist, RecommenderData data, IGrainFactory grains)
    {
        // Check the catalog first so that unknown names never activate a grain.
        var built = await data.Ready;
        var tracks = built.TracksOf(artist);
        if (tracks.Count == 0)
        {
            return ApiProblems.NotFound("Unknown artist", $"No track of the catalog credits '{artist}' (names are matched exactly, as the catalog spells them).");
        }

        var neighbours = await grains.BucketOf(ItemKinds.Artist, artist).GetNeighboursAsync(artist, 20);
        return TypedResults.Ok(new ArtistView(
            artist, neighbours.Occurrences, neighbours.Neighbours, [.. tracks.Take(10).Select(i => built.Catalog.Tracks[i].TrackId)]));
    }

    /// <param name="Artist">The name as the catalog spells it.</param>
    /// <param name="Occurrences">How many times the artist entered a listener's recent history.</param>
    /// <param name="Similar">Artists whose listeners' histories overlap most, strongest first.</param>
    /// <param name="Tracks">The artist's most popular catalog tracks.</param>
    internal sealed record ArtistView(string Artist, long Occurrences, Neighbour[] Similar, string[] Tracks);
}
