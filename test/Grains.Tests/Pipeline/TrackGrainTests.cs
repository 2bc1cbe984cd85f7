using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Tracks;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>Track grains fed directly with partition deltas.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TrackGrainTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    [Fact]
    public async Task WindowsUseEventTimeAndLateEventsStillCountAllTime()
    {
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var track = _client.GetGrain<ITrackGrain>(Plays.Tracks(1, skip: 800)[0]);
        await track.ApplyAsync(new TrackDelta(partition, 10,
        [
            Play(1, now.AddMinutes(-10)),
            Play(2, now.AddHours(-3)),
            Play(3, now.AddDays(-2)),
            Play(4, now.AddDays(-10)),
        ]));

        var view = (await track.GetAsync())!;
        Assert.Equal((4, 1, 2, 3), (view.Plays, view.Plays1h, view.Plays24h, view.Plays7d));

        // A late event, older than the hour but inside the day, after newer ones.
        await track.ApplyAsync(new TrackDelta(partition, 11, [Play(11, now.AddMinutes(-90))]));
        view = (await track.GetAsync())!;
        Assert.Equal((5, 1, 3, 4), (view.Plays, view.Plays1h, view.Plays24h, view.Plays7d));

        ClusterFixture.Clock.Advance(TimeSpan.FromHours(1));
        view = (await track.GetAsync())!;
        Assert.Equal((5, 0, 3, 4), (view.Plays, view.Plays1h, view.Plays24h, view.Plays7d));
    }

    [Fact]
    public async Task AReplayedBatchCutAtOtherBoundariesCountsEachOffsetOnce()
    {
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var track = _client.GetGrain<ITrackGrain>(Plays.Tracks(1, skip: 900)[0]);
        await track.ApplyAsync(new TrackDelta(partition, 199, [Play(120, now), Play(150, now)]));

        // The partition restarts from offset 140: the new batch overlaps the old one.
        var result = await track.ApplyAsync(new TrackDelta(partition, 260, [Play(150, now), Play(220, now)]));

        Assert.Equal(1, result.PlaysApplied);
        Assert.Equal(3, (await track.GetAsync())!.Plays);
        Assert.Equal(3, result.Trending.WindowPlays);
    }

    [Fact]
    public async Task UniqueListenersAreCountedOncePerListener()
    {
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var track = _client.GetGrain<ITrackGrain>(Plays.Tracks(1, skip: 950)[0]);
        await track.ApplyAsync(new TrackDelta(partition, 5,
            [.. Enumerable.Range(0, 6).Select(i => new TrackPlay(i, KeyHash.Of($"listener-{i % 3}"), now, 200_000, false))]));

        var view = (await track.GetAsync())!;
        Assert.Equal(6, view.Plays);
        Assert.Equal(3, view.UniqueListeners);
    }

    [Fact]
    public async Task UnknownTracksHaveNoView()
    {
        Assert.Null(await _client.GetGrain<ITrackGrain>("no-such-track").GetAsync());
    }

    private static TrackPlay Play(long offset, DateTimeOffset ts) => new(offset, KeyHash.Of($"u{offset}"), ts, 200_000, Skip: false);
}
