using System.Diagnostics;
using Encore.Catalog;
using Xunit.Abstractions;

namespace Encore.Grains.Tests.Catalog;

public sealed class SyntheticCatalogTests(ITestOutputHelper output)
{
    private readonly TrackCatalog _catalog = TestCatalogs.Synthetic;

    [Fact]
    public void TheSameSeedGivesTheSameCatalog()
    {
        var again = TrackCatalog.Synthetic(seed: 42);

        Assert.Equal(_catalog.Count, again.Count);
        Assert.Equal(_catalog.Tracks.Select(Describe), again.Tracks.Select(Describe));
        Assert.Equal(_catalog.Features.ToArray(), again.Features.ToArray());
    }

    [Fact]
    public void ADifferentSeedGivesADifferentCatalog()
    {
        var other = TrackCatalog.Synthetic(seed: 43, trackCount: 2_000);
        var sameSeed = TrackCatalog.Synthetic(seed: 42, trackCount: 2_000);

        Assert.NotEqual(sameSeed.Tracks.Select(t => t.TrackId), other.Tracks.Select(t => t.TrackId));
        Assert.NotEqual(sameSeed.Tracks.Select(t => t.TrackName), other.Tracks.Select(t => t.TrackName));
    }

    [Fact]
    public void ItHas20000TracksOverTheSame114GenresAsTheKaggleFile()
    {
        Assert.Equal(20_000, _catalog.Count);
        Assert.Equal(114, _catalog.Genres.Count);
        Assert.Equal(KaggleGenres.All, _catalog.Genres);
        Assert.All(_catalog.Genres, g => Assert.InRange(_catalog.TracksOfGenre(g).Count, 150, 400));
    }

    [Fact]
    public void SomeTracksHaveTwoOrThreeGenres()
    {
        var counts = _catalog.Tracks.GroupBy(t => t.Genres.Length).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal([1, 2, 3], counts.Keys.Order());
        Assert.InRange(counts[1] / (double)_catalog.Count, 0.75, 0.85);
        Assert.All(_catalog.Tracks, t => Assert.Equal(t.Genres.Length, t.Genres.Distinct().Count()));
    }

    [Fact]
    public void TrackIdsLookLikeSpotifyIds()
    {
        Assert.All(_catalog.Tracks, t =>
        {
            Assert.Equal(22, t.TrackId.Length);
            Assert.True(t.TrackId.All(char.IsAsciiLetterOrDigit), t.TrackId);
        });
        Assert.Equal(_catalog.Count, _catalog.Tracks.Select(t => t.TrackId).Distinct().Count());
    }

    [Fact]
    public void FieldsStayInsideTheKaggleRanges()
    {
        Assert.All(_catalog.Tracks, t =>
        {
            Assert.NotEmpty(t.TrackName);
            Assert.NotEmpty(t.AlbumName);
            Assert.InRange(t.Artists.Length, 1, 2);
            Assert.InRange(t.Popularity, 0, 100);
            Assert.InRange(t.DurationMs, 30_000, 1_200_000);
            Assert.InRange(t.Danceability, 0f, 1f);
            Assert.InRange(t.Energy, 0f, 1f);
            Assert.InRange(t.Key, 0, 11);
            Assert.InRange(t.Loudness, -50f, 5f);
            Assert.InRange(t.Mode, 0, 1);
            Assert.InRange(t.Speechiness, 0f, 1f);
            Assert.InRange(t.Acousticness, 0f, 1f);
            Assert.InRange(t.Instrumentalness, 0f, 1f);
            Assert.InRange(t.Liveness, 0f, 1f);
            Assert.InRange(t.Valence, 0f, 1f);
            Assert.InRange(t.Tempo, 40f, 243f);
            Assert.Contains(t.TimeSignature, new[] { 0, 1, 3, 4, 5 });
        });
        // Artists come back on several tracks, as they do in the real data.
        Assert.InRange(_catalog.Tracks.SelectMany(t => t.Artists).Distinct().Count(), 2_000, 12_000);
    }

    [Fact]
    public void GenresSoundDifferent()
    {
        double Mean(string genre, Func<Track, float> feature) =>
            _catalog.TracksOfGenre(genre).Average(i => feature(_catalog.Tracks[i]));

        Assert.True(Mean("death-metal", t => t.Energy) > Mean("sleep", t => t.Energy) + 0.4);
        Assert.True(Mean("sleep", t => t.Instrumentalness) > Mean("pop", t => t.Instrumentalness) + 0.3);
        Assert.True(Mean("comedy", t => t.Speechiness) > Mean("rock", t => t.Speechiness) + 0.4);
        Assert.True(Mean("techno", t => t.Danceability) > Mean("classical", t => t.Danceability) + 0.2);
    }

    [Fact]
    public void FeatureVectorsAreStandardized() => FeatureAssert.Standardized(_catalog);

    [Fact]
    public void ASeedBuildsItsOwnCatalogAndReportsHowLongThatTook()
    {
        var watch = Stopwatch.StartNew();
        var catalog = TrackCatalog.Synthetic(seed: 7);
        output.WriteLine($"Synthetic catalog of {catalog.Count} tracks built in {watch.ElapsedMilliseconds} ms.");

        Assert.Equal("synthetic(seed=7, tracks=20000)", catalog.Source);
        Assert.Equal(20_000, catalog.Count);
    }

    private static string Describe(Track t) =>
        string.Join('|',
            t.TrackId, t.TrackName, t.AlbumName, string.Join(';', t.Artists), string.Join(';', t.Genres), t.Popularity,
            t.DurationMs, t.Explicit, t.Danceability, t.Energy, t.Key, t.Loudness, t.Mode, t.Speechiness, t.Acousticness,
            t.Instrumentalness, t.Liveness, t.Valence, t.Tempo, t.TimeSignature);
}
