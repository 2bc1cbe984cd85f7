using Encore.Recommendations;

namespace Encore.Grains.Tests.Recommendations;

public sealed class ContentIndexTests
{
    private static readonly ContentIndex Index = ContentIndex.Build(TestCatalogs.Synthetic);

    [Fact]
    public void ATracksOwnVectorFindsAnIdenticalTrackFirst()
    {
        var catalog = TestCatalogs.Synthetic;
        for (var i = 0; i < catalog.Count; i += 997)
        {
            var nearest = Index.Nearest(catalog.FeatureVector(i), 5);
            Assert.Equal(5, nearest.Count);
            Assert.Equal(0f, nearest[0].Distance);
        }
    }

    [Fact]
    public void NeighboursMostlyAgreeWithAFullScan()
    {
        var catalog = TestCatalogs.Synthetic;
        var random = new Random(3);
        var found = 0;
        const int Queries = 50, K = 10;
        for (var q = 0; q < Queries; q++)
        {
            var query = catalog.FeatureVector(random.Next(catalog.Count)).ToArray();
            for (var j = 0; j < query.Length; j++)
            {
                query[j] += (float)(random.NextDouble() - 0.5);
            }

            var exact = Enumerable.Range(0, catalog.Count)
                .OrderBy(i => Distance(catalog.FeatureVector(i), query))
                .Take(K)
                .ToHashSet();
            found += Index.Nearest(query, K).Count(n => exact.Contains(n.TrackIndex));
        }

        // An index, not a scan: most true neighbours, for a fraction of the work.
        Assert.InRange((double)found / (Queries * K), 0.7, 1.0);
    }

    [Fact]
    public void ItHasAboutTheSquareRootOfTheCatalogInClusters()
    {
        Assert.Equal((int)Math.Sqrt(TestCatalogs.Synthetic.Count), Index.Clusters);
    }

    private static float Distance(ReadOnlySpan<float> a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }

        return sum;
    }
}
