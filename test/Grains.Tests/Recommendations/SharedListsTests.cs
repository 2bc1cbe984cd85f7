using Encore.Grains.Tests.Cluster;
using Encore.Recommendations;
using Encore.Similarity;
using Microsoft.Extensions.Time.Testing;

namespace Encore.Grains.Tests.Recommendations;

/// <summary>What the silo's caches of shared lists let go of: nothing is held past the time it is good for.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SharedListsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ExpiredCopiesAreDroppedOnceTheyAreAMaxAgeOld()
    {
        var time = new FakeTimeProvider();
        var lists = new SharedLists(fixture.Client, time);
        await lists.TrendingAsync("shared-lists-a", 5);
        await lists.TrendingAsync("shared-lists-b", 5);
        Assert.Equal(2, lists.TrendingCopies);

        // Within MaxAge nothing is dropped; once the two are that old, the next fetch drops them.
        time.Advance(SharedLists.MaxAge / 2);
        await lists.TrendingAsync("shared-lists-c", 5);
        Assert.Equal(3, lists.TrendingCopies);
        time.Advance(SharedLists.MaxAge / 2);
        await lists.TrendingAsync("shared-lists-d", 5);
        Assert.Equal(2, lists.TrendingCopies);
    }

    [Fact]
    public void ARankingIsStaleOnceItIsMaxStaleOld()
    {
        var cache = new NeighbourCache();
        Assert.Single(cache.Nearest(CoOccurrences.Of(1, [("a", 16)]), 10, _ => 1));
        var now = TimeProvider.System.GetTimestamp();
        Assert.False(cache.IsStaleAt(now));
        Assert.True(cache.IsStaleAt(now + (long)((NeighbourCache.MaxStale + TimeSpan.FromSeconds(1)).TotalSeconds * TimeProvider.System.TimestampFrequency)));
    }
}
