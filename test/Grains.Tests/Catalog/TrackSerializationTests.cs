using Encore.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Encore.Grains.Tests.Catalog;

public sealed class TrackSerializationTests
{
    [Fact]
    public void ATrackCrossesAGrainBoundaryWithEveryField()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var track = TestCatalogs.Synthetic.Tracks.First(t => t.Genres.Length > 1 && t.Artists.Length > 1);

        var copy = serializer.Deserialize<Track>(serializer.SerializeToArray(track))!;

        Assert.Equal(track with { Artists = copy.Artists, Genres = copy.Genres }, copy);
        Assert.Equal(track.Artists, copy.Artists);
        Assert.Equal(track.Genres, copy.Genres);
    }
}
