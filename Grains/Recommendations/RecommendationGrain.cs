using Encore.Catalog;
using Encore.Tracks;
using Encore.Trending;
using Encore.Users;
using Orleans.Concurrency;

namespace Encore.Recommendations;

/// <remarks>
/// Candidates come from four sources, all bounded: content neighbours of the taste vector (the
/// k-means index), co-listens of the last few distinct plays (track grains), trending in the user's
/// top genres (trending grains) and popular tracks spread over genres (precomputed). Users with fewer
/// than <see cref="WarmPlays"/> plays get the last two only.
/// </remarks>
[StatelessWorker]
internal sealed class RecommendationGrain(RecommenderData data) : Grain, IRecommendationGrain
{
    public const int WarmPlays = 3;
    private const int ContentCandidates = 100;
    private const int CoListenSources = 5;
    private const int CoListensPerSource = 20;
    private const int TrendingGenres = 3;
    private const int TrendingPerGenre = 10;

    public async Task<Recommendations> RecommendAsync(string userId, int count)
    {
        var built = await data.Ready;
        var catalog = built.Catalog;
        var taste = await GrainFactory.GetGrain<IUserGrain>(userId).GetTasteAsync();
        var candidates = new Dictionary<int, Candidate>();
        var excluded = new HashSet<string>(taste?.RecentTrackIds ?? [], StringComparer.Ordinal);

        Candidate? CandidateFor(string trackId)
        {
            if (excluded.Contains(trackId))
            {
                return null;
            }

            var index = catalog.IndexOf(trackId);
            if (index < 0)
            {
                return null;
            }

            if (!candidates.TryGetValue(index, out var candidate))
            {
                candidates[index] = candidate = new Candidate(index);
            }

            return candidate;
        }

        if (taste is null || taste.Plays < WarmPlays)
        {
            await AddTrendingAsync(TrendingKeys.All, null, TrendingPerGenre, CandidateFor);
        }
        else
        {
            if (taste.Taste.Length == TrackCatalog.FeatureCount)
            {
                foreach (var (index, distance) in built.Index.Nearest(taste.Taste, ContentCandidates))
                {
                    // Distances are in standard deviations over FeatureCount dimensions.
                    if (CandidateFor(catalog.Tracks[index].TrackId) is { } candidate)
                    {
                        candidate.Content = 1.0 / (1.0 + distance / Math.Sqrt(TrackCatalog.FeatureCount));
                    }
                }
            }

            var sources = taste.RecentTrackIds.Take(CoListenSources).ToArray();
            var coListens = await Task.WhenAll(sources.Select(id => GrainFactory.GetGrain<ITrackGrain>(id).GetCoListenedAsync(CoListensPerSource)));
            for (var s = 0; s < sources.Length; s++)
            {
                var strongest = coListens[s].Select(c => c.Score).DefaultIfEmpty(0).Max();
                foreach (var co in coListens[s])
                {
                    if (CandidateFor(co.TrackId) is not { } candidate)
                    {
                        continue;
                    }

                    // Relative to the source's strongest co-listen, damped for popularity so that
                    // what everybody plays does not crowd out what this user's tracks are played with.
                    var popularity = catalog.Tracks[candidate.TrackIndex].Popularity;
                    var strength = co.Score / strongest / (1 + 0.5 * popularity / 100.0) * (1 - 0.1 * s);
                    if (strength > candidate.CoListen)
                    {
                        candidate.CoListen = strength;
                        candidate.CoListenedWith = sources[s];
                    }
                }
            }

            await Task.WhenAll(taste.TopGenres.Take(TrendingGenres).Select(g => AddTrendingAsync(g.Name, g.Name, TrendingPerGenre, CandidateFor)));
        }

        AddPopular(built, taste, CandidateFor, count);
        if (candidates.Count < count)
        {
            // A listener whose few genres are exhausted still gets a full list.
            AddPopular(built, null, CandidateFor, count);
        }

        var topGenre = taste?.TopGenres.FirstOrDefault()?.Score ?? 0;
        if (topGenre > 0)
        {
            var affinity = taste!.TopGenres.ToDictionary(g => g.Name, g => g.Score / topGenre, StringComparer.Ordinal);
            foreach (var candidate in candidates.Values)
            {
                candidate.GenreAffinity = catalog.Tracks[candidate.TrackIndex].Genres.Select(g => affinity.GetValueOrDefault(g)).DefaultIfEmpty(0).Max();
            }
        }

        var ranked = HeuristicRanker.Rank(candidates.Values, catalog, count);
        return new Recommendations(userId, HeuristicRanker.ModelVersion, [.. ranked.Select(r =>
        {
            var track = catalog.Tracks[r.Candidate.TrackIndex];
            return new RecommendedTrack(track.TrackId, track.TrackName, track.Artists, track.Genres, Math.Round(r.Score, 4), [r.Candidate.Reason(catalog)]);
        })]);
    }

    private async Task AddTrendingAsync(string key, string? genre, int count, Func<string, Candidate?> candidateFor)
    {
        var top = await GrainFactory.GetGrain<ITrendingGrain>(key).GetTopAsync(count);
        var most = top.Select(t => t.Plays).DefaultIfEmpty(0).Max();
        foreach (var item in top)
        {
            if (candidateFor(item.TrackId) is { } candidate)
            {
                var strength = (double)item.Plays / most;
                if (strength > candidate.Trending)
                {
                    candidate.Trending = strength;
                    candidate.TrendingGenre = genre;
                }
            }
        }
    }

    /// <summary>
    /// Popular tracks as filler and for cold start: spread over all genres for a new user, over the
    /// user's top genres otherwise, rank-discounted so they trail the personal sources.
    /// </summary>
    private static void AddPopular(RecommenderData.Built built, UserTaste? taste, Func<string, Candidate?> candidateFor, int count)
    {
        var genres = taste is { Plays: >= WarmPlays } ? taste.TopGenres.Select(g => g.Name).ToHashSet(StringComparer.Ordinal) : null;
        var wanted = Math.Max(count * 2, 20);
        var added = 0;
        foreach (var (index, genre) in built.Popular)
        {
            var track = built.Catalog.Tracks[index];
            if (genres is not null && !track.Genres.Any(genres.Contains))
            {
                continue;
            }

            if (candidateFor(track.TrackId) is { } candidate && candidate.Popular == 0)
            {
                candidate.Popular = 1.0 - 0.5 * added / wanted;
                candidate.PopularGenre = genre;
                if (++added >= wanted)
                {
                    break;
                }
            }
        }
    }
}
