using Encore.Catalog;
using Microsoft.Extensions.Logging;

namespace Encore.Recommendations;

/// <summary>
/// What the recommender precomputes once per silo from the catalog: the content index, a list of
/// popular tracks spread over genres for listeners the system does not know yet, and each artist's tracks.
/// </summary>
public sealed partial class RecommenderData
{
    private readonly Lazy<Task<Built>> _built;

    public RecommenderData(CatalogHolder catalogHolder, ILogger<RecommenderData> logger)
    {
        _built = new(async () =>
        {
            var catalog = await catalogHolder.Loaded;
            return await Task.Run(() =>
            {
                var started = TimeProvider.System.GetTimestamp();
                var built = new Built(catalog, ContentIndex.Build(catalog), PopularAcrossGenres(catalog, 200), TracksByArtist(catalog));
                LogBuilt(logger, built.Index.Clusters, catalog.Count, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
                return built;
            });
        });
    }

    public Task<Built> Ready => _built.Value;

    public bool IsReady => _built.IsValueCreated && _built.Value.IsCompletedSuccessfully;

    /// <summary>
    /// Round-robin over genres (genres whose best track is most popular first), each turn taking the
    /// genre's most popular track not taken yet and by an artist not taken yet.
    /// </summary>
    private static (int TrackIndex, string Genre)[] PopularAcrossGenres(TrackCatalog catalog, int count)
    {
        var perGenre = catalog.Genres
            .Select(genre => (Genre: genre, Tracks: catalog.TracksOfGenre(genre).OrderByDescending(i => catalog.Tracks[i].Popularity).ThenBy(i => i).Take(50).ToArray()))
            .Where(g => g.Tracks.Length > 0)
            .OrderByDescending(g => catalog.Tracks[g.Tracks[0]].Popularity)
            .ThenBy(g => g.Genre, StringComparer.Ordinal)
            .ToArray();
        var taken = new HashSet<int>();
        var artists = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(int, string)>(count);
        var cursors = new int[perGenre.Length];
        var progress = true;
        while (result.Count < count && progress)
        {
            progress = false;
            for (var g = 0; g < perGenre.Length && result.Count < count; g++)
            {
                var tracks = perGenre[g].Tracks;
                while (cursors[g] < tracks.Length)
                {
                    var index = tracks[cursors[g]++];
                    var track = catalog.Tracks[index];
                    if (taken.Add(index) && !track.Artists.Any(artists.Contains))
                    {
                        artists.UnionWith(track.Artists);
                        result.Add((index, perGenre[g].Genre));
                        progress = true;
                        break;
                    }
                }
            }
        }

        return [.. result];
    }

    /// <summary>Every artist's tracks: those credited to the artist first (their own), then those they feature on.</summary>
    private static Dictionary<string, int[]> TracksByArtist(TrackCatalog catalog) =>
        Enumerable.Range(0, catalog.Count)
            .SelectMany(i => catalog.Tracks[i].Artists.Select((a, position) => (Artist: a, Index: i, Own: position == 0)))
            .GroupBy(e => e.Artist, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.OrderByDescending(e => e.Own).ThenByDescending(e => catalog.Tracks[e.Index].Popularity).ThenBy(e => e.Index).Select(e => e.Index).ToArray(),
                StringComparer.Ordinal);

    public sealed record Built(TrackCatalog Catalog, ContentIndex Index, (int TrackIndex, string Genre)[] Popular, Dictionary<string, int[]> ArtistTracks)
    {
        public IReadOnlyList<int> TracksOf(string artist) => ArtistTracks.TryGetValue(artist, out var tracks) ? tracks : [];
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Content index built: {Clusters} clusters over {Tracks} tracks in {Milliseconds:F0} ms")]
    private static partial void LogBuilt(ILogger logger, int clusters, int tracks, double milliseconds);
}
