using Encore.Recommendations;

namespace Encore.Grains.Tests.Recommendations;

public sealed class HeuristicRankerTests
{
    [Fact]
    public void EachFurtherTrackOfTheSameArtistIsDiscounted()
    {
        var catalog = TestCatalogs.Synthetic;
        var byArtist = Enumerable.Range(0, catalog.Count).GroupBy(i => catalog.Tracks[i].Artists[0]).First(g => g.Count() >= 3 && g.All(i => catalog.Tracks[i].Artists.Length == 1)).ToArray();
        var other = Enumerable.Range(0, catalog.Count).First(i => !catalog.Tracks[i].Artists.Intersect(catalog.Tracks[byArtist[0]].Artists).Any());

        var ranked = HeuristicRanker.Rank(
        [
            new Candidate(byArtist[0]) { Content = 0.9 },
            new Candidate(byArtist[1]) { Content = 0.8 },
            new Candidate(byArtist[2]) { Content = 0.7 },
            // Weaker than the artist's second track, stronger once that one is discounted (0.8 × 0.8).
            new Candidate(other) { Content = 0.65 },
        ], catalog, 4);

        Assert.Equal([byArtist[0], other, byArtist[1], byArtist[2]], ranked.Select(r => r.Candidate.TrackIndex));
        Assert.Equal(HeuristicRanker.ContentWeight * 0.8 * HeuristicRanker.ArtistRepeatDiscount, ranked[2].Score, 12);
        Assert.Equal(HeuristicRanker.ContentWeight * 0.7 * HeuristicRanker.ArtistRepeatDiscount * HeuristicRanker.ArtistRepeatDiscount, ranked[3].Score, 12);
    }

    [Fact]
    public void StoppingAtTheFirstWeakerBaseRanksAsComparingEveryCandidateDoes()
    {
        // Candidates spread over few artists, so that discounts reorder a lot, with equal scores for the tie-break.
        var catalog = TestCatalogs.Synthetic;
        var random = new Random(7);
        var tracks = Enumerable.Range(0, catalog.Count).GroupBy(i => catalog.Tracks[i].Artists[0]).Take(12).SelectMany(g => g.Take(15)).ToArray();
        var candidates = tracks.Select(i => new Candidate(i) { Content = random.Next(1, 20) / 20.0, Popular = random.Next(0, 3) / 2.0 }).ToArray();

        var ranked = HeuristicRanker.Rank(candidates, catalog, 60);

        Assert.Equal(EveryCandidateEachPick(candidates, catalog, 60), ranked.Select(r => (r.Candidate.TrackIndex, r.Score)));
    }

    /// <summary>The greedy re-rank as defined: each pick compares every candidate left.</summary>
    private static List<(int, double)> EveryCandidateEachPick(IEnumerable<Candidate> candidates, Encore.Catalog.TrackCatalog catalog, int count)
    {
        var pool = candidates.ToList();
        var picked = new List<(int, double)>();
        var artistCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (picked.Count < count && pool.Count > 0)
        {
            var scored = pool
                .Select(c => (Candidate: c, Score: c.Score() * Math.Pow(HeuristicRanker.ArtistRepeatDiscount, catalog.Tracks[c.TrackIndex].Artists.Sum(a => artistCounts.GetValueOrDefault(a)))))
                .OrderByDescending(e => e.Score)
                .ThenBy(e => catalog.Tracks[e.Candidate.TrackIndex].TrackId, StringComparer.Ordinal)
                .First();
            pool.Remove(scored.Candidate);
            foreach (var artist in catalog.Tracks[scored.Candidate.TrackIndex].Artists)
            {
                artistCounts[artist] = artistCounts.GetValueOrDefault(artist) + 1;
            }

            picked.Add((scored.Candidate.TrackIndex, scored.Score));
        }

        return picked;
    }

    [Fact]
    public void TheReasonIsTheStrongestComponent()
    {
        var catalog = TestCatalogs.Synthetic;
        var played = catalog.Tracks[0];
        Assert.Equal($"because you played {played.TrackName}", new Candidate(1) { Content = 0.5, CoListen = 0.9, CoListenedWith = played.TrackId }.Reason(catalog));
        Assert.Equal("close to your taste", new Candidate(1) { Content = 0.9, CoListen = 0.1, CoListenedWith = played.TrackId }.Reason(catalog));
        Assert.Equal("trending in indie", new Candidate(1) { Trending = 1, TrendingGenre = "indie" }.Reason(catalog));
        Assert.Equal("popular in jazz", new Candidate(1) { Popular = 1, PopularGenre = "jazz" }.Reason(catalog));
    }
}
