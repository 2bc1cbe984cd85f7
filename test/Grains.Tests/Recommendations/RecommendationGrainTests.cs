using Encore.Grains.Tests.Cluster;
using Encore.Recommendations;

namespace Encore.Grains.Tests.Recommendations;

[Collection(ClusterCollection.Name)]
public sealed class RecommendationGrainTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IRecommendationGrain Recommender => _client.GetGrain<IRecommendationGrain>(0);

    private static DateTimeOffset Now => ClusterFixture.Clock.GetUtcNow();

    [Fact]
    public async Task NewListenersGetPopularTracksSpreadOverGenres()
    {
        var recs = await Recommender.RecommendAsync("never-seen-listener", 20);

        Assert.Equal("never-seen-listener", recs.UserId);
        Assert.Equal(HeuristicRanker.ModelVersion, recs.ModelVersion);
        Assert.Equal(20, recs.Items.Length);
        Assert.All(recs.Items, item => Assert.Single(item.Reasons));
        var popular = recs.Items.Where(i => i.Reasons[0].StartsWith("popular in ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(popular.Length, popular.Select(i => i.Reasons[0]).Distinct().Count());
        Assert.Equal(popular.Length, popular.Select(i => i.Artists[0]).Distinct().Count());
        Assert.InRange(popular.Length, 10, 20);
    }

    [Fact]
    public async Task RecommendationsLeaveOutWhatTheListenerJustHeard()
    {
        var partition = Plays.NewPartition();
        var user = $"listener-{partition}";
        var catalog = Plays.Catalog;
        var genre = catalog.Genres[5];
        var heard = catalog.TracksOfGenre(genre).Take(12).Select(i => catalog.Tracks[i].TrackId).ToArray();
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, [.. heard.Select((t, i) => Plays.Event(user, t, Now.AddMinutes(-60 + 3 * i)))]));

        var recs = await Recommender.RecommendAsync(user, 30);

        Assert.Equal(30, recs.Items.Length);
        Assert.DoesNotContain(recs.Items, item => heard.Contains(item.TrackId));
        Assert.Equal(30, recs.Items.Select(i => i.TrackId).Distinct().Count());
        Assert.True(recs.Items.Zip(recs.Items.Skip(1)).All(p => p.First.Score >= p.Second.Score), "items are in score order");
    }

    [Fact]
    public async Task TracksCoListenedWithARecentPlayComeWithThatReason()
    {
        var partition = Plays.NewPartition();
        var catalog = Plays.Catalog;
        var quiet = Enumerable.Range(3000, 5000).Where(i => catalog.Tracks[i].Popularity <= 5).ToArray();
        var seed = quiet[0];
        var far = quiet.Skip(1).MaxBy(i => Distance(catalog.FeatureVector(i), catalog.FeatureVector(seed)));
        var (seedId, farId) = (catalog.Tracks[seed].TrackId, catalog.Tracks[far].TrackId);

        // Someone plays the seed and then the far track in one session; a second listener plays only the seed.
        await _client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event($"a-{partition}", seedId, Now.AddMinutes(-20)),
            Plays.Event($"a-{partition}", farId, Now.AddMinutes(-16)),
            Plays.Event($"b-{partition}", seedId, Now.AddMinutes(-12)),
            Plays.Event($"b-{partition}", seedId, Now.AddMinutes(-8)),
            Plays.Event($"b-{partition}", seedId, Now.AddMinutes(-4))));

        var recs = await Recommender.RecommendAsync($"b-{partition}", 20);

        var item = Assert.Single(recs.Items, i => i.TrackId == farId);
        Assert.Equal([$"because you played {catalog.Tracks[seed].TrackName}"], item.Reasons);
        Assert.DoesNotContain(recs.Items, i => i.TrackId == seedId);
    }

    private static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return sum;
    }
}
