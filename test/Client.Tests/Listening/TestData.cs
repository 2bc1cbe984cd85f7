using System.Globalization;
using System.Text;
using Encore.Catalog;

namespace Encore.Client.Tests.Listening;

/// <summary>A small catalog with accents, shared credits and an artist with several tracks, and a scratch directory.</summary>
internal static class TestData
{
    public const string Halo = "1111111111111111111111";
    public const string DrunkInLove = "2222222222222222222222";
    public const string Hoppipolla = "3333333333333333333333";
    public const string Otis = "4444444444444444444444";
    public const string Stronger = "5555555555555555555555";
    public const string Heartless = "6666666666666666666666";

    private const string Header =
        "index,track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,"
        + "speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre";

    // Kanye West's most popular track (Otis, 90) credits him second; his most popular first credit is Heartless (85).
    private static readonly (string Id, string Artists, string Name, int Popularity, int DurationMs, string Genre)[] Rows =
    [
        (Halo, "Beyoncé", "Halo", 80, 261_000, "pop"),
        (DrunkInLove, "Beyoncé;Jay-Z", "Drunk in Love", 70, 323_000, "pop"),
        (Hoppipolla, "Sigur Rós", "Hoppípolla", 60, 268_000, "ambient"),
        (Otis, "Jay-Z;Kanye West", "Otis", 90, 178_000, "hip-hop"),
        (Stronger, "Kanye West", "Stronger", 75, 311_000, "hip-hop"),
        (Heartless, "Kanye West", "Heartless", 85, 211_000, "hip-hop"),
    ];

    public static string CatalogCsv()
    {
        var csv = new StringBuilder(Header).Append('\n');
        for (var i = 0; i < Rows.Length; i++)
        {
            var (id, artists, name, popularity, duration, genre) = Rows[i];
            csv.Append(CultureInfo.InvariantCulture,
                $"{i},{id},{artists},Album,{name},{popularity},{duration},False,0.5,0.5,1,-7.5,1,0.05,0.2,0.0,0.1,0.5,120.0,4,{genre}\n");
        }

        return csv.ToString();
    }

    public static TrackCatalog TinyCatalog() => TrackCatalog.Load(new StringReader(CatalogCsv()), "test");
}

/// <summary>A directory of its own under the temp directory, removed with everything in it.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = Directory.CreateTempSubdirectory("encore-listening-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes a file at a path relative to the directory, creating its folders, and returns its full path.</summary>
    public string Write(string relativePath, string contents)
    {
        var path = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, contents);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
