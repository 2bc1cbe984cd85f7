using System.Security.Cryptography;
using System.Text;
using Encore.Catalog;
using Encore.Recommendations;

namespace Encore.Ranking;

/// <summary>What a candidate's features depend on besides the candidate: the request and the silo's data.</summary>
/// <param name="TrackOccurrences">A track's occurrences (the silo's <c>OccurrenceCache</c>).</param>
/// <param name="HourOfDay">UTC hour of the request, 0-23.</param>
/// <param name="ListenerPlays">The listener's play count at the request.</param>
public sealed record FeatureContext(TrackCatalog Catalog, Func<string, long> TrackOccurrences, int HourOfDay, long ListenerPlays);

/// <summary>
/// The ranker's features, the one builder that training and serving both use, so that a model scores
/// exactly what it was trained on. A fixed-length vector per candidate; <see cref="SchemaHash"/> names
/// the layout, and a model trained on another layout is never loaded.
/// </summary>
public static class CandidateFeatures
{
    /// <summary>The names, in vector order. Change them (or their meaning) and the hash changes.</summary>
    public static readonly string[] Names =
    [
        "artist_neighbour", "track_neighbour", "own_artist", "co_listen", "content", "trending", "popular", "genre_affinity",
        "artist_neighbour_rank", "track_neighbour_rank", "own_artist_rank", "co_listen_rank", "content_rank", "trending_rank", "popular_rank", "genre_affinity_rank",
        "catalog_popularity", "track_occurrences_log", "hour_of_day", "listener_plays_log",
    ];

    public const int Count = 20;

    private const int Sources = 8;

    /// <summary>The first 16 hex digits of SHA-256 over the names and the version of their definitions.</summary>
    public static readonly string SchemaHash =
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("v1|" + string.Join('|', Names))))[..16];

    /// <summary>Each candidate's vector, in the order given.</summary>
    /// <remarks>
    /// A source's rank is 1/rank among the candidates that source scored (the best 1, absent 0), so it
    /// says how a candidate stands within its source whatever that source's scale.
    /// </remarks>
    public static float[][] Build(IReadOnlyList<Candidate> candidates, FeatureContext context)
    {
        var vectors = new float[candidates.Count][];
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var track = context.Catalog.Tracks[c.TrackIndex];
            var v = new float[Count];
            v[0] = (float)c.ArtistNeighbour;
            v[1] = (float)c.TrackNeighbour;
            v[2] = (float)c.OwnArtist;
            v[3] = (float)c.CoListen;
            v[4] = (float)c.Content;
            v[5] = (float)c.Trending;
            v[6] = (float)c.Popular;
            v[7] = (float)c.GenreAffinity;
            v[16] = track.Popularity / 100f;
            v[17] = MathF.Log(1 + context.TrackOccurrences(track.TrackId));
            v[18] = context.HourOfDay;
            v[19] = MathF.Log(1 + context.ListenerPlays);
            vectors[i] = v;
        }

        for (var source = 0; source < Sources; source++)
        {
            // Ties keep the candidates' order, so equal inputs give equal vectors.
            var s = source;
            var ranked = Enumerable.Range(0, vectors.Length).Where(i => vectors[i][s] > 0).OrderByDescending(i => vectors[i][s]).ThenBy(i => i).ToArray();
            for (var rank = 0; rank < ranked.Length; rank++)
            {
                vectors[ranked[rank]][Sources + source] = 1f / (rank + 1);
            }
        }

        return vectors;
    }
}
