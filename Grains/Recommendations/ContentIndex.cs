using Encore.Catalog;

namespace Encore.Recommendations;

/// <summary>
/// Nearest neighbours in standardized audio-feature space without a catalog scan: tracks are
/// clustered once with k-means (about √n clusters, trained on a sample); a query ranks the centroids
/// and scans only the members of the nearest clusters until it has enough candidates, a few hundred
/// tracks instead of the whole catalog.
/// </summary>
public sealed class ContentIndex
{
    private readonly TrackCatalog _catalog;
    private readonly int _dimensions;
    private readonly float[] _centroids;
    private readonly int[][] _members;

    private ContentIndex(TrackCatalog catalog, int dimensions, float[] centroids, int[][] members)
    {
        _catalog = catalog;
        _dimensions = dimensions;
        _centroids = centroids;
        _members = members;
    }

    public int Clusters => _members.Length;

    /// <summary>Builds the index; deterministic for a catalog and seed.</summary>
    public static ContentIndex Build(TrackCatalog catalog, int seed = 7, int iterations = 8, int sampleSize = 20_000)
    {
        var n = catalog.Count;
        var d = TrackCatalog.FeatureCount;
        var k = Math.Clamp((int)Math.Sqrt(n), 1, 512);
        var random = new Random(seed);

        var sample = n <= sampleSize ? [.. Enumerable.Range(0, n)] : Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(sampleSize).ToArray();
        var centroids = new float[k * d];
        for (var c = 0; c < k; c++)
        {
            catalog.FeatureVector(sample[random.Next(sample.Length)]).CopyTo(centroids.AsSpan(c * d, d));
        }

        var sums = new double[k * d];
        var counts = new int[k];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            Array.Clear(sums);
            Array.Clear(counts);
            foreach (var index in sample)
            {
                var features = catalog.FeatureVector(index);
                var c = Nearest(centroids, k, d, features);
                counts[c]++;
                for (var j = 0; j < d; j++)
                {
                    sums[c * d + j] += features[j];
                }
            }

            for (var c = 0; c < k; c++)
            {
                if (counts[c] == 0)
                {
                    // An empty cluster restarts at a random sample point rather than staying dead.
                    catalog.FeatureVector(sample[random.Next(sample.Length)]).CopyTo(centroids.AsSpan(c * d, d));
                    continue;
                }

                for (var j = 0; j < d; j++)
                {
                    centroids[c * d + j] = (float)(sums[c * d + j] / counts[c]);
                }
            }
        }

        var members = new List<int>[k];
        for (var c = 0; c < k; c++)
        {
            members[c] = [];
        }

        for (var i = 0; i < n; i++)
        {
            members[Nearest(centroids, k, d, catalog.FeatureVector(i))].Add(i);
        }

        return new ContentIndex(catalog, d, centroids, [.. members.Select(m => m.ToArray())]);
    }

    /// <summary>
    /// About <paramref name="count"/> catalog indexes nearest to <paramref name="query"/>, nearest
    /// first, with their Euclidean distances; scans at least <paramref name="minScanned"/> tracks.
    /// </summary>
    public List<(int TrackIndex, float Distance)> Nearest(ReadOnlySpan<float> query, int count, int minScanned = 400)
    {
        var k = _members.Length;
        var order = new (float Distance, int Cluster)[k];
        for (var c = 0; c < k; c++)
        {
            order[c] = (Distance(_centroids.AsSpan(c * _dimensions, _dimensions), query), c);
        }

        Array.Sort(order);

        // The nearest clusters until enough tracks are scanned, counted first so that the list is made
        // at its size (grown from empty it was one of a recommendation's largest allocations).
        var clusters = 0;
        var scanned = 0;
        while (clusters < k && scanned < Math.Max(minScanned, count))
        {
            scanned += _members[order[clusters++].Cluster].Length;
        }

        var found = new List<(int, float)>(scanned);
        foreach (var (_, cluster) in order.AsSpan(0, clusters))
        {
            foreach (var index in _members[cluster])
            {
                found.Add((index, MathF.Sqrt(Distance(_catalog.FeatureVector(index), query))));
            }
        }

        found.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        if (found.Count > count)
        {
            found.RemoveRange(count, found.Count - count);
        }

        return found;
    }

    private static int Nearest(float[] centroids, int k, int d, ReadOnlySpan<float> features)
    {
        var best = 0;
        var bestDistance = float.MaxValue;
        for (var c = 0; c < k; c++)
        {
            var distance = Distance(centroids.AsSpan(c * d, d), features);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }

        return best;
    }

    /// <summary>Squared Euclidean distance.</summary>
    private static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            var diff = a[i] - b[i];
            sum += diff * diff;
        }

        return sum;
    }
}
