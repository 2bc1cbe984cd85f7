using System.Security.Cryptography;
using System.Text;
using Encore.Catalog;
using Encore.Recommendations;
using Encore.Similarity;
using Encore.Users;

namespace Encore.Ranking;

/// <summary>What a candidate's features depend on besides the candidate: the request, the listener and the silo's data.</summary>
/// <param name="Counts">An item's count of a kind (<c>ItemKinds</c>: occurrences, plays, skips), from the silo's <c>OccurrenceCache</c>.</param>
/// <param name="HourOfDay">UTC hour of the request, 0-23.</param>
public sealed record FeatureContext(
    TrackCatalog Catalog,
    Func<string, string, long> Counts,
    int HourOfDay,
    ListenerFeatures Listener);

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
        "artist_affinity", "artist_occurrences_log", "taste_distance", "artist_in_session", "recent_skip_share", "hours_since_artist", "sources",
        "track_skip_rate", "artist_skip_rate",
    ];

    public const int Count = 29;

    /// <summary>The smoothing of the skip rates, (skips + a) / (plays + b): an item never played has 1/8.</summary>
    public const float SkipPrior = 1, PlayPrior = 8;

    /// <summary>Hours since the listener last played an artist when the recent history does not hold it (or longer ago).</summary>
    public const float HoursSinceArtistCap = 24 * 30;

    private const int Sources = 8;

    /// <summary>The first 16 hex digits of SHA-256 over the names and the version of their definitions.</summary>
    public static readonly string SchemaHash =
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("v3|" + string.Join('|', Names))))[..16];

    /// <summary>Each candidate's vector, in the order given.</summary>
    /// <remarks>
    /// A source's rank is 1/rank among the candidates that source scored (the best 1, absent 0), so it
    /// says how a candidate stands within its source whatever that source's scale.
    /// </remarks>
    public static float[][] Build(IReadOnlyList<Candidate> candidates, FeatureContext context)
    {
        var listener = context.Listener;
        var vectors = new float[candidates.Count][];
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var track = context.Catalog.Tracks[c.TrackIndex];
            var artist = track.PrimaryArtist ?? "";
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
            v[17] = MathF.Log(1 + context.Counts(ItemKinds.Track, track.TrackId));
            v[18] = context.HourOfDay;
            v[19] = MathF.Log(1 + listener.Plays);
            v[20] = listener.ArtistAffinity.GetValueOrDefault(artist);
            v[21] = MathF.Log(1 + context.Counts(ItemKinds.Artist, artist));
            v[22] = listener.TasteDistance(context.Catalog.FeatureVector(c.TrackIndex));
            v[23] = listener.SessionArtists.Contains(artist) ? 1 : 0;
            v[24] = listener.RecentSkipShare;
            v[25] = listener.HoursSince(artist);
            for (var source = 0; source < Sources; source++)
            {
                v[26] += v[source] > 0 ? 1 : 0;
            }

            v[27] = SkipRate(context, ItemKinds.TrackSkips, ItemKinds.TrackPlays, track.TrackId);
            v[28] = SkipRate(context, ItemKinds.ArtistSkips, ItemKinds.ArtistPlays, artist);

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

    private static float SkipRate(FeatureContext context, string skips, string plays, string item) =>
        (context.Counts(skips, item) + SkipPrior) / (context.Counts(plays, item) + PlayPrior);
}

/// <summary>
/// What the features know of the listener, derived once per request from the user grain's
/// <see cref="UserTaste"/>: at serving the listener now, in a training snapshot the listener just
/// before the play. Times are measured from the listener's latest play, not the wall clock, so a
/// replay of old plays gets the figures a live stream would.
/// </summary>
public sealed class ListenerFeatures
{
    /// <summary>Plays whose skips make <see cref="RecentSkipShare"/>.</summary>
    public const int RecentPlays = 10;

    private readonly float[] _taste;
    private readonly Dictionary<string, DateTimeOffset> _artistLastPlayed;
    private readonly DateTimeOffset? _latest;

    private ListenerFeatures(long plays, float[] taste, Dictionary<string, float> affinity, Dictionary<string, DateTimeOffset> artistLastPlayed, HashSet<string> sessionArtists, float skipShare, DateTimeOffset? latest)
    {
        Plays = plays;
        _taste = taste;
        ArtistAffinity = affinity;
        _artistLastPlayed = artistLastPlayed;
        SessionArtists = sessionArtists;
        RecentSkipShare = skipShare;
        _latest = latest;
    }

    /// <summary>A listener never seen.</summary>
    public static ListenerFeatures None { get; } = new(0, [], [], [], [], 0, null);

    public long Plays { get; }

    /// <summary>Affinity to each artist relative to the strongest, at most 1 (negative when skips outweigh plays).</summary>
    public IReadOnlyDictionary<string, float> ArtistAffinity { get; }

    /// <summary>Primary artists of the plays of the listener's current session (as the user grain counts it).</summary>
    public IReadOnlySet<string> SessionArtists { get; }

    /// <summary>Share of skips among the last <see cref="RecentPlays"/> plays.</summary>
    public float RecentSkipShare { get; }

    public static ListenerFeatures From(UserTaste? taste, TrackCatalog catalog)
    {
        if (taste is null)
        {
            return None;
        }

        var artists = taste.Artists ?? taste.TopArtists;
        var strongest = artists.Select(a => a.Score).DefaultIfEmpty(0).Max();
        var affinity = strongest <= 0
            ? new Dictionary<string, float>(StringComparer.Ordinal)
            : artists.ToDictionary(a => a.Name, a => (float)(a.Score / strongest), StringComparer.Ordinal);

        var history = taste.History ?? [];
        var lastPlayed = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var session = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < history.Length; i++)
        {
            if (catalog.PrimaryArtistOf(history[i].TrackId) is not { } artist)
            {
                continue;
            }

            if (!lastPlayed.TryGetValue(artist, out var known) || history[i].Ts > known)
            {
                lastPlayed[artist] = history[i].Ts;
            }

            // The user grain keeps the session (plays no further apart than its session gap).
            if (i < taste.SessionPlays)
            {
                session.Add(artist);
            }
        }

        var recent = history.Take(RecentPlays).ToArray();
        var skipShare = recent.Length == 0 ? 0 : (float)recent.Count(p => p.Skip) / recent.Length;
        var latest = history.Length == 0 ? (DateTimeOffset?)null : history.Max(p => p.Ts);
        return new ListenerFeatures(taste.Plays, taste.Taste, affinity, lastPlayed, session, skipShare, latest);
    }

    /// <summary>Euclidean distance from the taste vector in standard deviations per feature; -1 without a taste.</summary>
    public float TasteDistance(ReadOnlySpan<float> features)
    {
        if (_taste.Length != features.Length || _taste.Length == 0)
        {
            return -1;
        }

        var sum = 0f;
        for (var i = 0; i < features.Length; i++)
        {
            var d = _taste[i] - features[i];
            sum += d * d;
        }

        return MathF.Sqrt(sum / features.Length);
    }

    /// <summary>Hours from the listener's last play of <paramref name="artist"/> to their latest play, capped.</summary>
    public float HoursSince(string artist) =>
        _latest is { } latest && _artistLastPlayed.TryGetValue(artist, out var played)
            ? Math.Min(CandidateFeatures.HoursSinceArtistCap, (float)(latest - played).TotalHours)
            : CandidateFeatures.HoursSinceArtistCap;
}
