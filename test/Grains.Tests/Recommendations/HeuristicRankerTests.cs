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
            new Candidate(other) { Content = 0.6 },
        ], catalog, 4);

        Assert.Equal([byArtist[0], other, byArtist[1], byArtist[2]], ranked.Select(r => r.Candidate.TrackIndex));
        Assert.Equal(HeuristicRanker.ContentWeight * 0.8 * HeuristicRanker.ArtistRepeatDiscount, ranked[2].Score, 12);
        Assert.Equal(HeuristicRanker.ContentWeight * 0.7 * HeuristicRanker.ArtistRepeatDiscount * HeuristicRanker.ArtistRepeatDiscount, ranked[3].Score, 12);
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
