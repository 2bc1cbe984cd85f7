using System.Diagnostics;
using System.Globalization;
using Encore.Catalog;
using Xunit.Abstractions;

namespace Encore.Grains.Tests.Catalog;

public sealed class TrackCatalogTests(ITestOutputHelper output) : IDisposable
{
    private const string Header =
        ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,"
        + "speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre";

    // Rows in the shapes the Kaggle file has: quoted fields with "" escapes and commas, True/False,
    // 1.01e-06, the row with empty names, and one track id listed under two genres.
    private static readonly string TrickyCsv = string.Join('\n',
        Header,
        "0,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,acoustic",
        "1,1iJBSr7s7jYXzM8EGcbK5b,Ingrid Michaelson;ZAYN,\"To Begin Again, Part 2\",\"Say \"\"Hello\"\", Goodbye\",57,210826,True,0.438,0.359,0,-9.734,1,0.0557,0.21,0.0,0.117,0.12,76.332,4,acoustic",
        "2,1kR4gIb7nGxHPI3D2ifs59,,,,0,0,False,0.501,0.583,7,-9.46,0,0.0605,0.69,0.00396,0.0747,0.734,138.391,4,k-pop",
        "3,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,70,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,j-pop",
        "4,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,70,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,acoustic",
        "");

    private readonly string _directory = Directory.CreateTempSubdirectory("encore-catalog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TrickyRowsParseAsTheKaggleFileMeansThem()
    {
        var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

        Assert.Equal(3, catalog.Count);
        Assert.True(catalog.TryGet("1iJBSr7s7jYXzM8EGcbK5b", out var quoted));
        Assert.Equal("To Begin Again, Part 2", quoted.AlbumName);
        Assert.Equal("Say \"Hello\", Goodbye", quoted.TrackName);
        Assert.Equal(["Ingrid Michaelson", "ZAYN"], quoted.Artists);
        Assert.True(quoted.Explicit);
        Assert.Equal(0f, quoted.Instrumentalness);
        Assert.Equal(-9.734f, quoted.Loudness);
        Assert.Equal(1, quoted.Mode);

        var first = catalog.Tracks[0];
        Assert.Equal("5SuOikwiRyPMVoIQDJUgSV", first.TrackId);
        Assert.False(first.Explicit);
        Assert.Equal(1.01e-06f, first.Instrumentalness);
        Assert.Equal(230666, first.DurationMs);
        Assert.Equal(87.917f, first.Tempo);
        Assert.Equal(4, first.TimeSignature);
    }

    [Fact]
    public void NumbersParseTheSameWhateverTheCurrentCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // decimal comma, '.' groups thousands
        try
        {
            var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

            Assert.Equal(87.917f, catalog.Tracks[0].Tempo);
            Assert.Equal(1.01e-06f, catalog.Tracks[0].Instrumentalness);
            Assert.Equal(-9.734f, catalog.Tracks[1].Loudness);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void TheRowWithEmptyNamesLoadsAsATrackWithoutArtists()
    {
        var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

        Assert.True(catalog.TryGet("1kR4gIb7nGxHPI3D2ifs59", out var track));
        Assert.Empty(track.Artists);
        Assert.Equal("", track.TrackName);
        Assert.Equal("", track.AlbumName);
        Assert.Equal(0, track.DurationMs);
        Assert.Equal(["k-pop"], track.Genres);
    }

    [Fact]
    public void ATrackListedUnderSeveralGenresIsOneTrackWithEachGenreOnceInFirstSeenOrder()
    {
        var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

        Assert.True(catalog.TryGet("5SuOikwiRyPMVoIQDJUgSV", out var track));
        Assert.Equal(["acoustic", "j-pop"], track.Genres);
        Assert.Equal(73, track.Popularity); // the first row's values win
        Assert.Equal(["acoustic", "k-pop", "j-pop"], catalog.Genres);
        Assert.Equal([0, 1], catalog.TracksOfGenre("acoustic"));
        Assert.Equal([0], catalog.TracksOfGenre("j-pop"));
        Assert.Empty(catalog.TracksOfGenre("polka"));
    }

    [Fact]
    public void LookupsAgreeOnIndexAndTrack()
    {
        var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

        Assert.Equal(1, catalog.IndexOf("1iJBSr7s7jYXzM8EGcbK5b"));
        Assert.Same(catalog.Tracks[1], catalog.TryGet("1iJBSr7s7jYXzM8EGcbK5b", out var track) ? track : null);
        Assert.True(catalog.Contains("1kR4gIb7nGxHPI3D2ifs59"));
        Assert.False(catalog.Contains("0000000000000000000000"));
        Assert.False(catalog.TryGet("0000000000000000000000", out _));
        Assert.Equal(-1, catalog.IndexOf("0000000000000000000000"));
    }

    [Fact]
    public void FeatureVectorsAreZScoresOfTheRawFeatures()
    {
        var catalog = TrackCatalog.Load(WriteCsv(TrickyCsv));

        // Tempo over the three tracks: 87.917, 76.332, 138.391.
        double[] tempos = [87.917f, 76.332f, 138.391f];
        var mean = tempos.Average();
        var sd = Math.Sqrt(tempos.Sum(t => (t - mean) * (t - mean)) / tempos.Length);
        var tempoFeature = TrackCatalog.FeatureNames.ToList().IndexOf("tempo");
        for (var i = 0; i < tempos.Length; i++)
        {
            Assert.Equal((tempos[i] - mean) / sd, catalog.FeatureVector(i)[tempoFeature], 5);
        }

        Assert.Equal(mean, catalog.FeatureMeans[tempoFeature], 4);
        Assert.Equal(TrackCatalog.FeatureCount, catalog.FeatureVector(2).Length);
        Assert.Equal(TrackCatalog.FeatureCount * catalog.Count, catalog.Features.Length);
    }

    [Fact]
    public void AValueThatIsNotANumberIsReportedWithItsRowAndColumn()
    {
        var csv = TrickyCsv.Replace("87.917,4,acoustic", "fast,4,acoustic", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => TrackCatalog.Load(WriteCsv(csv)));

        Assert.Contains("data row 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("tempo is 'fast'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithoutTheKaggleColumnsIsRejectedByName()
    {
        var error = Assert.Throws<FormatException>(() => TrackCatalog.Load(WriteCsv("track_id,name\nabc,def\n")));

        Assert.Contains("missing column(s) artists", error.Message, StringComparison.Ordinal);
    }

    [RealCatalogFact]
    public void TheRealKaggleFileLoadsTo89741TracksIn114Genres()
    {
        var path = SpotifyData.Path!;
        var cold = Stopwatch.StartNew();
        var catalog = TrackCatalog.Load(path);
        cold.Stop();
        var warm = Stopwatch.StartNew();
        TrackCatalog.Load(path);
        warm.Stop();
        output.WriteLine(
            $"Loaded {catalog.Count} tracks in {catalog.Genres.Count} genres from {path}: "
            + $"{cold.ElapsedMilliseconds} ms first load (JIT included), {warm.ElapsedMilliseconds} ms second load.");

        Assert.Equal(89_741, catalog.Count);
        Assert.Equal(114, catalog.Genres.Count);
        Assert.Equal(KaggleGenres.All, catalog.Genres);
        // 114 000 rows, 113 550 distinct (track, genre) pairs, up to 9 genres on one track.
        Assert.Equal(113_550, catalog.Tracks.Sum(t => t.Genres.Length));
        Assert.True(catalog.TryGet("6S3JlDAGk3uu3NtZbPnuhS", out var manyGenres));
        Assert.Equal(9, manyGenres.Genres.Length);
        Assert.True(catalog.TryGet("6XrNrp7UtGgyZcHJ0ckL0w", out var quoted));
        Assert.StartsWith("\"Something In the Rain\" (Something In the Rain, Pt. 1)", quoted.TrackName, StringComparison.Ordinal);
        Assert.True(catalog.TryGet("1kR4gIb7nGxHPI3D2ifs59", out var empty));
        Assert.Empty(empty.Artists);
        Assert.Equal(1.01e-06f, catalog.Tracks[0].Instrumentalness);
        FeatureAssert.Standardized(catalog);
    }

    private string WriteCsv(string content)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }
}
