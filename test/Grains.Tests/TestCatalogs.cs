using Encore.Catalog;

namespace Encore.Grains.Tests;

/// <summary>Catalogs shared by the test classes: immutable, so built once per test run.</summary>
internal static class TestCatalogs
{
    /// <summary>The default synthetic catalog (seed 42, 20 000 tracks).</summary>
    public static TrackCatalog Synthetic { get; } = TrackCatalog.Synthetic();
}
