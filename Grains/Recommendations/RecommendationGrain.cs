using Encore.Catalog;
using Encore.Ranking;
using Encore.Similarity;
using Encore.Trending;
using Encore.Users;
using Orleans.Concurrency;

namespace Encore.Recommendations;

/// <remarks>
/// Candidates come from these sources, all bounded, each keeping its own score on the candidate:
/// neighbours of the listener's strongest artists (artist grains) and of the recent plays (track grains),
/// learned from listeners' histories; more from the artists the listener plays; session co-listens of
/// the last few plays; content neighbours of the taste vector (the k-means index); trending in the
/// listener's top genres; popular tracks spread over genres. Listeners with fewer than
/// <see cref="WarmPlays"/> plays get the last two only.
/// </remarks>
[StatelessWorker]
internal sealed class RecommendationGrain(RecommenderData data, SharedLists shared, OccurrenceCache occurrences, ActiveRanker ranker, TimeProvider time) : Grain, IRecommendationGrain
{
    public const int WarmPlays = 3;
    private const int ContentCandidates = 100;
    private const int CoListenSources = 5;
    private const int CoListensPerSource = 20;
    private const int TrendingGenres = 3;
    private const int TrendingPerGenre = 10;
    private const int ArtistSources = 30;
    private const int NeighboursPerArtist = 300;
    private const int NeighbourArtistsUsed = 150;
    private const int OwnArtistsUsed = 10;
    private const int TracksPerArtist = 3;
    private const int TrackSources = 20;
    private const int NeighboursPerTrack = 300;
    private const int TrackNeighboursUsed = 200;

    /// <summary>The list size asked for when building training candidates (it sizes the popular filler).</summary>
    private const int TrainingCandidates = 100;

    /// <summary>The place at which a popular track's score has halved: the training lists' filler size.</summary>
    private const double PopularScale = 2 * TrainingCandidates;

    /// <summary>Lower scores first, and of equal scores the later name: the order <see cref="Strongest"/> drops items in.</summary>
    private static readonly Comparer<(double Score, string Id)> WeakestFirst = Comparer<(double Score, string Id)>.Create((a, b) =>
        a.Score != b.Score ? a.Score.CompareTo(b.Score) : string.CompareOrdinal(b.Id, a.Id));

    /// <summary>An artist's tracks most listened first, then most popular, then by id.</summary>
    private static readonly Comparison<(long Listened, int Popularity, string TrackId)> MostListenedFirst = (a, b) =>
        a.Listened != b.Listened ? b.Listened.CompareTo(a.Listened)
        : a.Popularity != b.Popularity ? b.Popularity.CompareTo(a.Popularity)
        : string.CompareOrdinal(a.TrackId, b.TrackId);

    // Working collections kept between requests: an activation serves one request at a time, and made
    // anew for each request they were most of what a recommendation allocated (up to 9 000 scored
    // artists, 6 000 scored tracks, a few hundred candidates), and so most of what set off collections.
    private readonly Dictionary<int, Candidate> _candidates = [];
    private readonly HashSet<string> _excluded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Score, string Because, double Best)> _artistScores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Score, string Because)> _trackScores = new(StringComparer.Ordinal);
    private readonly List<(long Listened, int Popularity, string TrackId)> _artistTracks = [];
    private readonly List<Candidate> _topTracks = [];

    public async Task<Recommendations> RecommendAsync(string userId, int count)
    {
        var taste = await GrainFactory.UserBucketOf(userId).GetTasteAsync(userId);
        var (catalog, candidates) = await CandidatesAsync(taste, count);

        // A published model, when this silo has one, scores the whole list in one batch; the artist
        // discount and the reasons stay the recommender's.
        var model = ranker.Current;
        var pool = candidates.Values.ToArray();
        var scored = model?.ScoreUnit(CandidateFeatures.Build(pool, FeaturesAt(catalog, time.GetUtcNow(), taste)))
            .Select((score, i) => (score, i)).ToDictionary(e => pool[e.i], e => e.score);
        var ranked = HeuristicRanker.Rank(pool, catalog, count, scored is null ? null : c => scored[c]);
        return new Recommendations(userId, model?.Version ?? HeuristicRanker.ModelVersion, [.. ranked.Select(r =>
        {
            var track = catalog.Tracks[r.Candidate.TrackIndex];
            return new RecommendedTrack(track.TrackId, track.TrackName, track.Artists, track.Genres, Math.Round(r.Score, 4), [r.Candidate.Reason(catalog)]);
        })]);
    }

    public async Task<CandidateSet> GetCandidatesAsync(CandidateRequest request)
    {
        var (catalog, candidates) = await CandidatesAsync(request.Listener, TrainingCandidates);
        var pool = candidates.Values.OrderBy(c => c.TrackIndex).ToArray();
        return new CandidateSet(
            [.. pool.Select(c => catalog.Tracks[c.TrackIndex].TrackId)],
            CandidateFeatures.Build(pool, FeaturesAt(catalog, request.At, request.Listener)),
            [.. pool.Select(c => c.Score())]);
    }

    private FeatureContext FeaturesAt(TrackCatalog catalog, DateTimeOffset at, UserTaste? taste) => new(
        catalog,
        occurrences.CountOf,
        at.UtcDateTime.Hour,
        ListenerFeatures.From(taste, catalog));

    /// <param name="taste">The listener's features; <c>null</c> for a listener never seen.</param>
    private async Task<(TrackCatalog, Dictionary<int, Candidate>)> CandidatesAsync(UserTaste? taste, int count)
    {
        var built = await data.Ready;
        var catalog = built.Catalog;
        var candidates = _candidates;
        candidates.Clear();
        var excluded = _excluded;
        excluded.Clear();
        excluded.UnionWith(taste?.HeardTrackIds ?? taste?.RecentTrackIds ?? []);

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
            AddContent(built, taste, CandidateFor);
            await Task.WhenAll(
                AddArtistNeighboursAsync(built, taste, CandidateFor),
                AddTrackNeighboursAsync(taste, CandidateFor),
                AddCoListensAsync(catalog, taste, CandidateFor),
                Task.WhenAll(taste.TopGenres.Take(TrendingGenres).Select(g => AddTrendingAsync(g.Name, g.Name, TrendingPerGenre, CandidateFor))));
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
                var genres = catalog.Tracks[candidate.TrackIndex].Genres;
                var best = genres.Length == 0 ? 0 : double.MinValue;
                foreach (var genre in genres)
                {
                    best = Math.Max(best, affinity.GetValueOrDefault(genre));
                }

                candidate.GenreAffinity = best;
            }
        }

        return (catalog, candidates);
    }

    private void AddContent(RecommenderData.Built built, UserTaste taste, Func<string, Candidate?> candidateFor)
    {
        if (taste.Taste.Length != TrackCatalog.FeatureCount)
        {
            return;
        }

        foreach (var (index, distance) in built.Index.Nearest(taste.Taste, ContentCandidates))
        {
            // Distances are in standard deviations over FeatureCount dimensions.
            if (candidateFor(built.Catalog.Tracks[index].TrackId) is { } candidate)
            {
                candidate.Content = 1.0 / (1.0 + distance / Math.Sqrt(TrackCatalog.FeatureCount));
            }
        }
    }

    /// <summary>
    /// Artists scored by the listener's affinities times their similarity to each of the listener's
    /// strongest artists (item-based collaborative filtering over artists), then each of the best
    /// artists' most listened tracks. The listener's own artists come in as "more from".
    /// </summary>
    private async Task AddArtistNeighboursAsync(RecommenderData.Built built, UserTaste taste, Func<string, Candidate?> candidateFor)
    {
        var artists = (taste.Artists ?? taste.TopArtists).Where(a => a.Score > 0).ToArray();
        if (artists.Length == 0)
        {
            return;
        }

        var strongest = artists[0].Score;
        var sources = artists.Take(ArtistSources).ToArray();
        var neighbours = await Task.WhenAll(sources.Select(a => shared.ArtistNeighboursAsync(a.Name, NeighboursPerArtist)));
        var own = artists.ToDictionary(a => a.Name, a => a.Score / strongest, StringComparer.Ordinal);
        var scores = _artistScores;
        scores.Clear();
        for (var s = 0; s < sources.Length; s++)
        {
            // Damped: a listener's fifth artist still says much about them, not a fifth of the first.
            var weight = Math.Sqrt(sources[s].Score / strongest);
            foreach (var neighbour in neighbours[s].Neighbours)
            {
                var contribution = weight * neighbour.Similarity;
                var known = scores.GetValueOrDefault(neighbour.Id);
                scores[neighbour.Id] = contribution > known.Best
                    ? (known.Score + contribution, sources[s].Name, contribution)
                    : (known.Score + contribution, known.Because, known.Best);
            }
        }

        var strongestArtists = Strongest(scores, s => s.Score, NeighbourArtistsUsed);
        var best = strongestArtists.Length == 0 ? 0 : scores[strongestArtists[0]].Score;
        foreach (var artist in strongestArtists)
        {
            var score = scores[artist];
            foreach (var candidate in TopTracksOf(built, artist, candidateFor))
            {
                candidate.ArtistNeighbour = Math.Max(candidate.ArtistNeighbour, score.Score / best);
                candidate.BecauseArtist ??= score.Because;
            }
        }

        foreach (var (artist, affinity) in own.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(OwnArtistsUsed))
        {
            foreach (var candidate in TopTracksOf(built, artist, candidateFor))
            {
                candidate.OwnArtist = Math.Max(candidate.OwnArtist, affinity);
                candidate.OwnArtistName ??= artist;
            }
        }
    }

    /// <summary>
    /// The <paramref name="count"/> best-scored items, best first (so the first has the best score of
    /// all), equal scores by name: a heap of <paramref name="count"/> over the thousands of scored items
    /// rather than a sort of all of them.
    /// </summary>
    private static string[] Strongest<T>(Dictionary<string, T> scores, Func<T, double> scoreOf, int count)
    {
        var heap = new PriorityQueue<string, (double Score, string Id)>(count + 1, WeakestFirst);
        foreach (var (id, value) in scores)
        {
            heap.Enqueue(id, (scoreOf(value), id));
            if (heap.Count > count)
            {
                heap.Dequeue();
            }
        }

        var strongest = new string[heap.Count];
        for (var i = strongest.Length - 1; i >= 0; i--)
        {
            strongest[i] = heap.Dequeue();
        }

        return strongest;
    }

    /// <summary>
    /// An artist's own tracks (credited first) the listener has not heard, most listened first
    /// (occurrences, then catalog popularity). A track the artist only guests on is another artist's:
    /// proposing it for this artist's score put unrelated artists in the lists. The artist's own tracks
    /// come first in <see cref="RecommenderData.Built.TracksOf"/>, so the walk stops at the first that is not.
    /// The list returned is reused by the next call.
    /// </summary>
    private List<Candidate> TopTracksOf(RecommenderData.Built built, string artist, Func<string, Candidate?> candidateFor)
    {
        var counts = occurrences.CountsOf(ItemKinds.Track);
        var own = _artistTracks;
        own.Clear();
        var tracks = built.TracksOf(artist);
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = built.Catalog.Tracks[tracks[i]];
            if (track.PrimaryArtist != artist)
            {
                break;
            }

            own.Add((counts.GetValueOrDefault(track.TrackId), track.Popularity, track.TrackId));
        }

        own.Sort(MostListenedFirst);
        var top = _topTracks;
        top.Clear();
        foreach (var (_, _, trackId) in own)
        {
            if (candidateFor(trackId) is { } candidate)
            {
                top.Add(candidate);
                if (top.Count == TracksPerArtist)
                {
                    break;
                }
            }
        }

        return top;
    }

    /// <summary>Tracks scored by their similarity to the recent plays, the most recent weighing most; the <see cref="TrackNeighboursUsed"/> best.</summary>
    private async Task AddTrackNeighboursAsync(UserTaste taste, Func<string, Candidate?> candidateFor)
    {
        var sources = taste.RecentTrackIds.Take(TrackSources).ToArray();
        var neighbours = await Task.WhenAll(sources.Select(t => shared.TrackNeighboursAsync(t, NeighboursPerTrack)));
        var scores = _trackScores;
        scores.Clear();
        for (var s = 0; s < sources.Length; s++)
        {
            var weight = 1.0 - 0.5 * s / TrackSources;
            foreach (var neighbour in neighbours[s].Neighbours)
            {
                var known = scores.GetValueOrDefault(neighbour.Id);
                scores[neighbour.Id] = (known.Score + weight * neighbour.Similarity, known.Because ?? sources[s]);
            }
        }

        // A long list from each recent play finds the tracks several of them agree on; only the
        // strongest become candidates, which keeps the list the ranker scores short.
        var strongestTracks = Strongest(scores, s => s.Score, TrackNeighboursUsed);
        var best = strongestTracks.Length == 0 ? 0 : scores[strongestTracks[0]].Score;
        foreach (var trackId in strongestTracks)
        {
            var (score, because) = scores[trackId];
            if (candidateFor(trackId) is { } candidate)
            {
                candidate.TrackNeighbour = score / best;
                candidate.BecauseTrack = because;
            }
        }
    }

    private async Task AddCoListensAsync(TrackCatalog catalog, UserTaste taste, Func<string, Candidate?> candidateFor)
    {
        var sources = taste.RecentTrackIds.Take(CoListenSources).ToArray();
        var coListens = await Task.WhenAll(sources.Select(id => GrainFactory.BucketOf(ItemKinds.Track, id).GetCoListenedAsync(id, CoListensPerSource)));
        for (var s = 0; s < sources.Length; s++)
        {
            var strongest = coListens[s].Select(c => c.Score).DefaultIfEmpty(0).Max();
            foreach (var co in coListens[s])
            {
                if (candidateFor(co.TrackId) is not { } candidate)
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
    }

    private async Task AddTrendingAsync(string key, string? genre, int count, Func<string, Candidate?> candidateFor)
    {
        var top = await shared.TrendingAsync(key, count);
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
    /// user's top genres otherwise, rank-discounted so they trail the personal sources. Twice the list
    /// length asked for are added, but a track's score depends only on its place (on the scale of the
    /// training lists' filler): the ranker's <c>popular</c> feature must mean the same in a list of 20
    /// as in the lists of 100 it was trained on.
    /// </summary>
    internal static void AddPopular(RecommenderData.Built built, UserTaste? taste, Func<string, Candidate?> candidateFor, int count)
    {
        var genres = taste is { Plays: >= WarmPlays } ? taste.TopGenres.Select(g => g.Name).ToHashSet(StringComparer.Ordinal) : null;
        var wanted = Math.Max(count * 2, 20);
        var added = 0;
        foreach (var (index, genre) in built.Popular)
        {
            var track = built.Catalog.Tracks[index];
            if (genres is not null && !SharesGenre(track, genres))
            {
                continue;
            }

            if (candidateFor(track.TrackId) is { } candidate && candidate.Popular == 0)
            {
                candidate.Popular = 1.0 - 0.5 * added / PopularScale;
                candidate.PopularGenre = genre;
                if (++added >= wanted)
                {
                    break;
                }
            }
        }
    }

    private static bool SharesGenre(Track track, HashSet<string> genres)
    {
        foreach (var genre in track.Genres)
        {
            if (genres.Contains(genre))
            {
                return true;
            }
        }

        return false;
    }
}
