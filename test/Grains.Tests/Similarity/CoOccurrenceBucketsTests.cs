using Encore.Features;
using Encore.Similarity;

namespace Encore.Grains.Tests.Similarity;

public sealed class CoOccurrenceBucketsTests
{
    [Fact]
    public void AnItemsBucketIsItsStableHashModTheBucketCount()
    {
        Assert.Equal($"artist/{KeyHash.Of("Radiohead") % CoOccurrenceBuckets.Count}", CoOccurrenceBuckets.KeyOf(ItemKinds.Artist, "Radiohead"));
        Assert.Equal($"track/{KeyHash.Of("5SuOikwiRyPMVoIQDJUgSV") % CoOccurrenceBuckets.Count}", CoOccurrenceBuckets.KeyOf(ItemKinds.Track, "5SuOikwiRyPMVoIQDJUgSV"));
        Assert.Equal(ItemKinds.Artist, CoOccurrenceBuckets.KindOf(CoOccurrenceBuckets.KeyOf(ItemKinds.Artist, "Radiohead")));

        // Every bucket gets items: 2 000 names fall in all 32.
        var buckets = Enumerable.Range(0, 2_000).Select(i => CoOccurrenceBuckets.KeyOf(ItemKinds.Track, $"track-{i}")).Distinct().Count();
        Assert.Equal(CoOccurrenceBuckets.Count, buckets);
    }

    [Fact]
    public void CountKindsHaveNoCoOccurrenceBuckets() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CoOccurrenceBuckets.KeyOf(ItemKinds.TrackPlays, "x"));
}
