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
        // Strongest first (sorted in place by negated base): the discount never lifts a positive score
        // above its base, so each pick's search ends at the first base below the best score found
        // (instead of every candidate, every pick). The order among equal bases does not matter: each of
        // them is looked at, and ties go by track id.
        var pool = candidates.ToArray();
        var negatedBases = new double[pool.Length];
        for (var i = 0; i < pool.Length; i++)
        {
            negatedBases[i] = -(scoreOf?.Invoke(pool[i]) ?? pool[i].Score());
        }

        Array.Sort(negatedBases, pool);
        var taken = new bool[pool.Length];
        var picked = new List<(Candidate, double)>(count);
        var artistCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (picked.Count < count)
        {
            var best = -1;
            var bestScore = double.MinValue;
            for (var i = 0; i < pool.Length; i++)
            {
                var baseScore = -negatedBases[i];
                if (baseScore < bestScore && bestScore > 0)
                {
                    break;
                }

                if (taken[i])
                {
                    continue;
                }

                var track = catalog.Tracks[pool[i].TrackIndex];
                var repeats = 0;
                foreach (var artist in track.Artists)
                {
                    repeats += artistCounts.GetValueOrDefault(artist);
                }

                var score = baseScore * Math.Pow(ArtistRepeatDiscount, repeats);
                if (score > bestScore || (score == bestScore && string.CompareOrdinal(track.TrackId, catalog.Tracks[pool[best].TrackIndex].TrackId) < 0))
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
            foreach (var artist in catalog.Tracks[pool[best].TrackIndex].Artists)
            {
                artistCounts[artist] = artistCounts.GetValueOrDefault(artist) + 1;
            }

            picked.Add((pool[best], bestScore));
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
        ReadOnlySpan<double> parts =
        [
            HeuristicRanker.ArtistNeighbourWeight * ArtistNeighbour,
            HeuristicRanker.TrackNeighbourWeight * TrackNeighbour,
            HeuristicRanker.OwnArtistWeight * OwnArtist,
            HeuristicRanker.ContentWeight * Content,
            HeuristicRanker.CoListenWeight * CoListen,
            HeuristicRanker.TrendingWeight * Trending,
            HeuristicRanker.PopularWeight * Popular,
        ];

        // The first of equal components wins.
        var best = 0;
        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i] > parts[best])
            {
                best = i;
            }
        }

        if (parts[best] <= 0)
        {
            return "popular now";
        }

        return best switch
        {
            0 => $"because you play {BecauseArtist}",
            1 => $"because you played {NameOf(catalog, BecauseTrack)}",
            2 => $"more from {OwnArtistName}",
            3 => "close to your taste",
            4 => $"because you played {NameOf(catalog, CoListenedWith)}",
            5 => TrendingGenre is null ? "trending now" : $"trending in {TrendingGenre}",
            _ => PopularGenre is null ? "popular now" : $"popular in {PopularGenre}",
        };
    }

    private static string NameOf(TrackCatalog catalog, string? trackId) =>
        trackId is not null && catalog.TryGet(trackId, out var track) && track.TrackName.Length > 0 ? track.TrackName : trackId ?? "";
}
