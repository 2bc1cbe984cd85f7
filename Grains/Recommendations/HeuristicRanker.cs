using Encore.Catalog;

namespace Encore.Recommendations;

/// <summary>
/// The transparent score used until a trained model exists (docs/grains.md, "Recommendations"): a weighted sum of what
/// brought the candidate in, then a greedy re-rank that discounts each further track by an artist
/// already picked. Each item keeps the reason of its strongest component.
/// </summary>
public static class HeuristicRanker
{
    public const string ModelVersion = "heuristic-v4";

    // What listeners with the same artists and tracks play (learned from their histories) is the
    // strongest signal on real listening data; session co-listens are the short-term one; content
    // closeness the broadest; trending and popularity lift what is live right now. Tuned on the
    // Million Playlist slices (docs/recommendations.md).
    public const double ArtistNeighbourWeight = 1.00;
    public const double TrackNeighbourWeight = 1.50;
    public const double OwnArtistWeight = 0.15;
    public const double CoListenWeight = 0.25;
    public const double ContentWeight = 0.10;
    public const double TrendingWeight = 0.10;
    public const double PopularWeight = 0.05;
    public const double GenreAffinityWeight = 0.05;

    /// <summary>Multiplier for each track already picked that shares an artist.</summary>
    public const double ArtistRepeatDiscount = 0.8;

    /// <param name="scoreOf">A trained model's score (0..1) instead of the weighted sum.</param>
    public static List<(Candidate Candidate, double Score)> Rank(IEnumerable<Candidate> candidates, TrackCatalog catalog, int count, Func<Candidate, double>? scoreOf = null)
    {
        // Strongest first: the discount never lifts a positive score above its base, so each pick's
        // search ends at the first base below the best score found (instead of every candidate, every pick).
        var pool = candidates
            .Select(c => (Candidate: c, Base: scoreOf?.Invoke(c) ?? c.Score(), Track: catalog.Tracks[c.TrackIndex]))
            .OrderByDescending(e => e.Base)
            .ToArray();
        var taken = new bool[pool.Length];
        var picked = new List<(Candidate, double)>(count);
        var artistCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (picked.Count < count)
        {
            var best = -1;
            var bestScore = double.MinValue;
            for (var i = 0; i < pool.Length; i++)
            {
                if (pool[i].Base < bestScore && bestScore > 0)
                {
                    break;
                }

                if (taken[i])
                {
                    continue;
                }

                var repeats = 0;
                foreach (var artist in pool[i].Track.Artists)
                {
                    repeats += artistCounts.GetValueOrDefault(artist);
                }

                var score = pool[i].Base * Math.Pow(ArtistRepeatDiscount, repeats);
                if (score > bestScore || (score == bestScore && string.CompareOrdinal(pool[i].Track.TrackId, pool[best].Track.TrackId) < 0))
                {
                    best = i;
                    bestScore = score;
                }
            }

            if (best < 0)
            {
                break;
            }

            taken[best] = true;
            foreach (var artist in pool[best].Track.Artists)
            {
                artistCounts[artist] = artistCounts.GetValueOrDefault(artist) + 1;
            }

            picked.Add((pool[best].Candidate, bestScore));
        }

        return picked;
    }
}

/// <summary>One candidate track and the strength (0..1) of each source that proposed it.</summary>
public sealed class Candidate(int trackIndex)
{
    public int TrackIndex { get; } = trackIndex;

    /// <summary>By an artist similar to the listener's artists (their listeners' histories overlap), 0..1.</summary>
    public double ArtistNeighbour { get; set; }

    /// <summary>The listener's artist that contributed most to <see cref="ArtistNeighbour"/>.</summary>
    public string? BecauseArtist { get; set; }

    /// <summary>Similar to the listener's recent plays (listeners' histories overlap), 0..1.</summary>
    public double TrackNeighbour { get; set; }

    /// <summary>The recent play the track is most similar to.</summary>
    public string? BecauseTrack { get; set; }

    /// <summary>By one of the listener's own artists: the listener's affinity to it, 0..1.</summary>
    public double OwnArtist { get; set; }
    public string? OwnArtistName { get; set; }

    /// <summary>Closeness to the user's taste vector.</summary>
    public double Content { get; set; }

    /// <summary>Co-listened with the user's recent plays, damped for popularity.</summary>
    public double CoListen { get; set; }

    /// <summary>The recent play it was co-listened with most.</summary>
    public string? CoListenedWith { get; set; }

    public double Trending { get; set; }
    public string? TrendingGenre { get; set; }

    /// <summary>Popular in a genre (cold start and filler).</summary>
    public double Popular { get; set; }
    public string? PopularGenre { get; set; }

    /// <summary>The user's affinity to the track's genres, 0..1.</summary>
    public double GenreAffinity { get; set; }

    public double Score() =>
        HeuristicRanker.ArtistNeighbourWeight * ArtistNeighbour
        + HeuristicRanker.TrackNeighbourWeight * TrackNeighbour
        + HeuristicRanker.OwnArtistWeight * OwnArtist
        + HeuristicRanker.ContentWeight * Content
        + HeuristicRanker.CoListenWeight * CoListen
        + HeuristicRanker.TrendingWeight * Trending
        + HeuristicRanker.PopularWeight * Popular
        + HeuristicRanker.GenreAffinityWeight * GenreAffinity;

    /// <summary>Why the track is there: the component that adds most to its score.</summary>
    public string Reason(TrackCatalog catalog)
    {
        var parts = new (double Value, Func<string> Text)[]
        {
            (HeuristicRanker.ArtistNeighbourWeight * ArtistNeighbour, () => $"because you play {BecauseArtist}"),
            (HeuristicRanker.TrackNeighbourWeight * TrackNeighbour, () => $"because you played {NameOf(catalog, BecauseTrack)}"),
            (HeuristicRanker.OwnArtistWeight * OwnArtist, () => $"more from {OwnArtistName}"),
            (HeuristicRanker.ContentWeight * Content, () => "close to your taste"),
            (HeuristicRanker.CoListenWeight * CoListen, () => $"because you played {NameOf(catalog, CoListenedWith)}"),
            (HeuristicRanker.TrendingWeight * Trending, () => TrendingGenre is null ? "trending now" : $"trending in {TrendingGenre}"),
            (HeuristicRanker.PopularWeight * Popular, () => PopularGenre is null ? "popular now" : $"popular in {PopularGenre}"),
        };
        var best = parts.MaxBy(p => p.Value);
        return best.Value > 0 ? best.Text() : "popular now";
    }

    private static string NameOf(TrackCatalog catalog, string? trackId) =>
        trackId is not null && catalog.TryGet(trackId, out var track) && track.TrackName.Length > 0 ? track.TrackName : trackId ?? "";
}
