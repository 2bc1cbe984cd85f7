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

    /// <summary>
    /// By number, the bucket is hashed once and remembered: the same key as by name, the first time and
    /// after, for either kind, up to numbers past the table's first size (2^18).
    /// </summary>
    [Fact]
    public void AnItemsBucketByNumberIsItsBucketByName()
    {
        var names = new List<string>();
        for (var i = 0; names.Count == 0 || ItemIds.Of(names[^1]) <= 1 << 18; i++)
        {
            names.Add($"bucket-by-number-{i}");
        }

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var name in names.Take(300).Concat(names.TakeLast(300)))
            {
                Assert.Equal(CoOccurrenceBuckets.KeyOf(ItemKinds.Track, name), CoOccurrenceBuckets.KeyOf(ItemKinds.Track, name, ItemIds.Of(name)));
                Assert.Equal(CoOccurrenceBuckets.KeyOf(ItemKinds.Artist, name), CoOccurrenceBuckets.KeyOf(ItemKinds.Artist, name, ItemIds.Of(name)));
            }
        }
    }

    [Fact]
    public void CountKindsHaveNoCoOccurrenceBuckets() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CoOccurrenceBuckets.KeyOf(ItemKinds.TrackPlays, "x"));
}
