using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Similarity;
using Encore.Tracks;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>
/// A track bucket's trending entries carry the track's catalog genres to a caller in the same process
/// (the partition grain, which sends each entry to its genres' trending grains), and to no caller
/// elsewhere. Its own one-silo cluster, so that a call from the silo's own grain factory is a local one.
/// </summary>
public sealed class TrendingGenresTests : OneSiloCluster<TrendingGenresTests.SiloConfigurator>
{
    [Fact]
    public async Task ATrendingEntryCarriesItsTracksGenresInTheSiloAndNoneOutsideIt()
    {
        var track = Plays.Catalog.Tracks.First(t => t.Genres.Length > 1);
        var inSilo = Cluster.Silos.OfType<InProcessSiloHandle>().Single().ServiceProvider.GetRequiredService<IGrainFactory>();

        // Numbered as a partition grain of this process numbers it, then by name alone (another process's delta).
        var numbered = await ApplyPlayAsync(inSilo, track.TrackId, offset: 1, ItemIds.Numbering);
        var named = await ApplyPlayAsync(inSilo, track.TrackId, offset: 2, itemNumbering: 0);
        Assert.Equal(track.Genres, Assert.Single(numbered.Trending!).Genres);
        Assert.Equal(track.Genres, Assert.Single(named.Trending!).Genres);

        // A client is another process: the entry arrives without them, and with every sent field.
        var sent = Assert.Single((await ApplyPlayAsync(Cluster.Client, track.TrackId, offset: 3, ItemIds.Numbering)).Trending!);
        Assert.Null(sent.Genres);
        Assert.Equal((track.TrackId, 3L, 3L), (sent.TrackId, sent.WindowPlays, sent.Version));
    }

    private static Task<CoOccurrenceApplyResult> ApplyPlayAsync(IGrainFactory grains, string trackId, long offset, long itemNumbering)
    {
        var delta = new CoOccurrenceDeltaBuilder();
        var slot = delta.AddItem(trackId, ItemIds.Of(trackId));
        delta.AddPlay(slot, new TrackPlay(offset, KeyHash.Of($"u{offset}"), DateTimeOffset.UtcNow, MsPlayed: 60_000, Skip: false));
        return grains.BucketOf(ItemKinds.Track, trackId).ApplyAsync(delta.Build(partition: 0, offset, itemNumbering: itemNumbering));
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddEncoreMemoryStorage();
            silo.AddEncoreFeatures();
        }
    }
}
