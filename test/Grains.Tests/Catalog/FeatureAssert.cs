using Encore.Catalog;

namespace Encore.Grains.Tests.Catalog;

internal static class FeatureAssert
{
    /// <summary>Every feature column has mean 0 and (population) standard deviation 1 over the catalog.</summary>
    public static void Standardized(TrackCatalog catalog)
    {
        var features = catalog.Features.ToArray();
        for (var f = 0; f < TrackCatalog.FeatureCount; f++)
        {
            var sum = 0.0;
            var squares = 0.0;
            for (var i = f; i < features.Length; i += TrackCatalog.FeatureCount)
            {
                sum += features[i];
                squares += (double)features[i] * features[i];
            }

            var mean = sum / catalog.Count;
            var sd = Math.Sqrt((squares / catalog.Count) - (mean * mean));
            // float storage: each z-score carries ~1e-7 relative error.
            Assert.True(Math.Abs(mean) < 1e-5, $"{TrackCatalog.FeatureNames[f]}: mean {mean}, expected 0 ± 1e-5");
            Assert.True(Math.Abs(sd - 1) < 1e-5, $"{TrackCatalog.FeatureNames[f]}: sd {sd}, expected 1 ± 1e-5");
        }
    }
}
