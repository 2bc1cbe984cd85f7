using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Similarity;
using Encore.Tracks;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>Track statistics fed to their co-occurrence bucket directly with partition deltas, read through the track grain.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TrackStatisticsTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    [Fact]
    public async Task WindowsUseEventTimeAndLateEventsStillCountAllTime()
    {
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var trackId = Plays.Tracks(1, skip: 800)[0];
        await ApplyAsync(partition, 10, trackId,
            Play(1, now.AddMinutes(-10)),
            Play(2, now.AddHours(-3)),
            Play(3, now.AddDays(-2)),
            Play(4, now.AddDays(-10)));

        var track = _client.GetGrain<ITrackGrain>(trackId);
        var view = (await track.GetAsync())!;
        Assert.Equal((4, 1, 2, 3), (view.Plays, view.Plays1h, view.Plays24h, view.Plays7d));

        // A late event, older than the hour but inside the day, after newer ones.
        await ApplyAsync(partition, 11, trackId, Play(11, now.AddMinutes(-90)));
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
        var trackId = Plays.Tracks(1, skip: 900)[0];
        await ApplyAsync(partition, 199, trackId, Play(120, now), Play(150, now));

        // The partition restarts from offset 140: the new batch overlaps the old one.
        var result = await ApplyAsync(partition, 260, trackId, Play(150, now), Play(220, now));

        Assert.Equal(1, result.Applied);
        Assert.Equal(3, (await _client.GetGrain<ITrackGrain>(trackId).GetAsync())!.Plays);
        Assert.Equal([(trackId, 3L, 3L)], result.Trending!.Select(t => (t.TrackId, t.WindowPlays, t.Version)));

        // A batch replayed whole adds nothing, and has nothing new for the trending grains.
        var replayed = await ApplyAsync(partition, 260, trackId, Play(150, now), Play(220, now));
        Assert.Equal((0, null), (replayed.Applied, replayed.Trending));
    }

    [Fact]
    public async Task UniqueListenersAreCountedOncePerListener()
    {
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var trackId = Plays.Tracks(1, skip: 950)[0];
        await ApplyAsync(partition, 5, trackId,
            [.. Enumerable.Range(0, 6).Select(i => new TrackPlay(i, KeyHash.Of($"listener-{i % 3}"), now, 200_000, false))]);

        var view = (await _client.GetGrain<ITrackGrain>(trackId).GetAsync())!;
        Assert.Equal(6, view.Plays);
        Assert.Equal(3, view.UniqueListeners);
    }

    [Fact]
    public async Task NumberedDeltasAddToOneTracksStatisticsWithItsDuration()
    {
        // Deltas of this process's numbering, as a partition grain sends them: the second batch finds the
        // statistics and the duration by the track's number.
        var now = ClusterFixture.Clock.GetUtcNow();
        var partition = Plays.NewPartition();
        var track = Plays.Catalog.Tracks[990];
        async Task NumberedAsync(long offset, long msPlayed)
        {
            var delta = new CoOccurrenceDeltaBuilder();
            var slot = delta.AddItem(track.TrackId, ItemIds.Of(track.TrackId));
            delta.AddPlay(slot, new TrackPlay(offset, KeyHash.Of($"u{offset}"), now, msPlayed, Skip: false));
            await _client.BucketOf(ItemKinds.Track, track.TrackId).ApplyAsync(delta.Build(partition, offset, itemNumbering: ItemIds.Numbering));
        }

        await NumberedAsync(1, track.DurationMs / 2);
        await NumberedAsync(2, track.DurationMs);

        var view = (await _client.GetGrain<ITrackGrain>(track.TrackId).GetAsync())!;
        Assert.Equal(2, view.Plays);
        Assert.Equal(Math.Round((((double)(track.DurationMs / 2) / track.DurationMs) + 1) / 2, 4), view.CompletionRate);
    }

    [Fact]
    public async Task UnknownTracksHaveNoView()
    {
        Assert.Null(await _client.GetGrain<ITrackGrain>("no-such-track").GetAsync());
    }

    [Fact]
    public async Task ATrackNeverPlayedHasAViewWithNoPlays()
    {
        var view = (await _client.GetGrain<ITrackGrain>(Plays.Tracks(1, skip: 975)[0]).GetAsync())!;
        Assert.Equal((0, 0, 0.0, null), (view.Plays, view.UniqueListeners, view.CompletionRate, view.LastPlayTs));
    }

    private Task<CoOccurrenceApplyResult> ApplyAsync(int partition, long lastOffset, string trackId, params TrackPlay[] plays)
    {
        var delta = new CoOccurrenceDeltaBuilder();
        var slot = delta.AddItem(trackId);
        foreach (var play in plays)
        {
            delta.AddPlay(slot, play);
        }

        return _client.BucketOf(ItemKinds.Track, trackId).ApplyAsync(delta.Build(partition, lastOffset));
    }

    private static TrackPlay Play(long offset, DateTimeOffset ts) => new(offset, KeyHash.Of($"u{offset}"), ts, 200_000, Skip: false);
}
