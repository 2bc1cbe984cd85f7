using Encore.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Catalog;

/// <summary>
/// The silo's one catalog, loaded once in the background when the silo starts (the Kaggle CSV takes
/// a couple of seconds): grains await <see cref="Loaded"/> while activating, and the readiness probe
/// reports ready once it has completed.
/// </summary>
public sealed partial class CatalogHolder
{
    private readonly Lazy<Task<TrackCatalog>> _loaded;

    public CatalogHolder(IOptions<CatalogOptions> options, ILogger<CatalogHolder> logger)
    {
        _loaded = new(() => Task.Run(() =>
        {
            var path = options.Value.Path;
            var catalog = string.IsNullOrWhiteSpace(path) ? TrackCatalog.Synthetic() : TrackCatalog.Load(path);
            ItemIds.Preload(catalog.Tracks.SelectMany(t => t.PrimaryArtist is { } artist ? [t.TrackId, artist] : new[] { t.TrackId }));
            LogLoaded(logger, catalog.Count, catalog.Genres.Count, catalog.Source);
            return catalog;
        }));
    }

    /// <summary>Completes with the catalog; starts loading it on first use.</summary>
    public Task<TrackCatalog> Loaded => _loaded.Value;

    public bool IsLoaded => _loaded.IsValueCreated && _loaded.Value.IsCompletedSuccessfully;

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Catalog loaded: {Tracks} tracks in {Genres} genres from {Source}")]
    private static partial void LogLoaded(ILogger logger, int tracks, int genres, string source);
}
