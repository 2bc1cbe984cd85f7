using Encore.Grains.Tests.Cluster;
using Encore.Pipeline;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>
/// A listener idle for <see cref="FeatureStateOptions.ListenerIdleAge"/> leaves its bucket's memory:
/// written first under the id a grain per listener had (<c>user/{userId}</c>), then read back from
/// storage, watermarks and affinities included, when they play again. Its own one-silo cluster, with memory storage
/// that writes only on deactivation and an idle age of 1 s.
/// </summary>
public sealed class ListenerIdleAgeTests : OneSiloCluster<ListenerIdleAgeTests.SiloConfigurator>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AnIdleListenerIsWrittenDroppedAndReadBackWithItsWatermark()
    {
        const string user = "idle-listener";
        var tracks = Plays.Tracks(3, skip: 800);
        var now = DateTimeOffset.UtcNow;
        var events = Plays.At(0, 0, [.. tracks.Select((t, i) => Plays.Event(user, t, now.AddMinutes(-10 + i)))]);
        var bucket = Cluster.Client.UserBucketOf(user);
        var first = await bucket.ApplyAsync(new UserBucketBatch(0, [new UserEvents(user, events[..2])]));
        Assert.Equal(2, Assert.Single(first.Users).Applied);
        var before = (await bucket.GetProfileAsync(user))!;
        Assert.NotEmpty(before.TopGenres);
        Assert.NotEmpty(before.TopArtists);

        // With memory storage a listener is written only when it leaves: the record appears once it is idle.
        var storage = Cluster.Silos.OfType<InProcessSiloHandle>().Single().ServiceProvider.GetRequiredKeyedService<IGrainStorage>(Constants.GrainStorage);
        var id = GrainId.Create("user", user);
        var stored = new GrainState<UserState>(new UserState());
        await Eventually.TrueAsync(async () =>
        {
            await storage.ReadStateAsync("user", id, stored);
            return stored.RecordExists && stored.State!.Plays == 2;
        }, "the idle listener written under user/idle-listener", Deadline);

        // What the bucket shows from now on is what storage holds: the listener left memory.
        stored.State!.DuplicatesDropped = 7;
        await storage.WriteStateAsync("user", id, stored);
        await Eventually.TrueAsync(
            async () => (await bucket.GetProfileAsync(user))?.DuplicatesDropped == 7, "the listener read back from storage", Deadline);

        // With everything it had: its affinities too, which the memory storage's default JSON read back empty.
        var after = (await bucket.GetProfileAsync(user))!;
        Assert.Equal(before.TopGenres, after.TopGenres);
        Assert.Equal(before.TopArtists, after.TopArtists);
        Assert.Equal(before.RecentTracks.Select(p => (p.TrackId, p.Ts, p.MsPlayed, p.Skipped)), after.RecentTracks.Select(p => (p.TrackId, p.Ts, p.MsPlayed, p.Skipped)));
        Assert.Equal(before.Taste, after.Taste);

        // Read back with its watermark: the two plays it applied are replays, the third counts.
        var again = Assert.Single((await bucket.ApplyAsync(new UserBucketBatch(0, [new UserEvents(user, events)]))).Users);
        Assert.Equal((1, 0, 2), (again.Applied, again.Duplicates, again.Replays));
        Assert.Equal(3, (await bucket.GetProfileAsync(user))!.Plays);
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddEncoreMemoryStorage();
            silo.AddEncoreFeatures();
            silo.Services.Configure<FeatureStateOptions>(o => o.ListenerIdleAge = TimeSpan.FromSeconds(1));
        }
    }
}
