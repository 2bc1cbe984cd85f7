using Encore.Grains.Tests.Cluster;
using Encore.Pipeline;
using Encore.Similarity;
using Encore.Stats;
using Encore.Tracks;
using Encore.Trending;
using Encore.Users;
using Encore.Streams.Kafka.Checkpoints;
using Orleans.Core.Internal;

namespace Encore.Grains.Tests.Pipeline;

/// <summary>Events pushed onto partition streams, through the partition grain, into user, track and trending grains.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private static DateTimeOffset Now => ClusterFixture.Clock.GetUtcNow();

    [Fact]
    public async Task SkipsCountWhenFlaggedOrShorterThanThirtySeconds()
    {
        var partition = Plays.NewPartition();
        var user = $"skipper-{partition}";
        var track = Plays.Tracks(1, skip: 100)[0];
        await _client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event(user, track, Now.AddMinutes(-4), msPlayed: 200_000, skipped: true),
            Plays.Event(user, track, Now.AddMinutes(-3), msPlayed: 29_999),
            Plays.Event(user, track, Now.AddMinutes(-2), msPlayed: 30_000, skipped: false),
            Plays.Event(user, track, Now.AddMinutes(-1), msPlayed: 10_000, skipped: false)));

        var profile = await _client.GetGrain<IUserGrain>(user).GetProfileAsync();
        Assert.NotNull(profile);
        Assert.Equal(4, profile.Plays);
        Assert.Equal(3, profile.Skips);
        Assert.Equal(0.75, profile.SkipRate);
        Assert.Equal([true, false, true, true], profile.RecentTracks.Select(r => r.Skipped));

        var view = await _client.GetGrain<ITrackGrain>(track).GetAsync();
        Assert.NotNull(view);
        Assert.Equal(4, view.Plays);
        Assert.Equal(3, view.Skips);
        Assert.Equal(3, view.Skips1h);
    }

    [Fact]
    public async Task ReplayedOffsetsCountOnce()
    {
        var partition = Plays.NewPartition();
        var tracks = Plays.Tracks(3, skip: 200);
        var events = Plays.At(partition, 0, [.. Enumerable.Range(0, 10).Select(i =>
            Plays.Event($"replay-{partition}-{i % 2}", tracks[i % 3], Now.AddMinutes(-20 + i)))]);

        await _client.PublishAndWaitAsync(events);
        await _client.PublishAsync(events);
        await Eventually.TrueAsync(
            async () => (await _client.GetGrain<IPartitionGrain>(partition).GetStatusAsync()).ReplaysSkipped == 10,
            "the replayed batch was processed");

        Assert.Equal(5, (await _client.GetGrain<IUserGrain>($"replay-{partition}-0").GetProfileAsync())!.Plays);
        Assert.Equal(5, (await _client.GetGrain<IUserGrain>($"replay-{partition}-1").GetProfileAsync())!.Plays);
        var plays = await PlaysOf(tracks);
        Assert.Equal([4L, 3L, 3L], plays);
        var status = await _client.GetGrain<IPartitionGrain>(partition).GetStatusAsync();
        Assert.Equal(10, status.EventsProcessed);
        Assert.Equal(0, status.DuplicatesDropped);
    }

    [Fact]
    public async Task ResentEventIdsWithNewOffsetsCountOnce()
    {
        var partition = Plays.NewPartition();
        var user = $"resender-{partition}";
        var tracks = Plays.Tracks(5, skip: 300);
        var originals = tracks.Select((t, i) => Plays.Event(user, t, Now.AddMinutes(-10 + i))).ToArray();
        var before = await ClusterStats.GetAsync(_client);

        await _client.PublishAndWaitAsync(Plays.At(partition, 0, originals));
        await _client.PublishAndWaitAsync(Plays.At(partition, 5, originals[1], originals[3]));

        var profile = await _client.GetGrain<IUserGrain>(user).GetProfileAsync();
        Assert.Equal(5, profile!.Plays);
        Assert.Equal(2, profile.DuplicatesDropped);
        var plays = await PlaysOf(tracks);
        Assert.Equal([1L, 1L, 1L, 1L, 1L], plays);

        var after = await ClusterStats.GetAsync(_client);
        Assert.Equal(2, after.Silos);
        Assert.Equal(7, after.EventsProcessed - before.EventsProcessed);
        Assert.Equal(2, after.DuplicatesDropped - before.DuplicatesDropped);
    }

    [Fact]
    public async Task AResendIsRecognisedAfterAHundredAndTwentySevenOtherPlaysOfTheUser()
    {
        var partition = Plays.NewPartition();
        var user = $"late-resender-{partition}";
        var tracks = Plays.Tracks(128, skip: 1300);
        var plays = tracks.Select((t, i) => Plays.Event(user, t, Now.AddMinutes(-300 + i))).ToArray();
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, plays));

        await _client.PublishAndWaitAsync(Plays.At(partition, 128, plays[0]));

        var profile = await _client.GetGrain<IUserGrain>(user).GetProfileAsync();
        Assert.Equal(128, profile!.Plays);
        Assert.Equal(1, profile.DuplicatesDropped);
        Assert.Equal(1, (await _client.GetGrain<ITrackGrain>(tracks[0]).GetAsync())!.Plays);
    }

    [Fact]
    public async Task HistoryStaysCappedAfterAThousandPlays()
    {
        var partition = Plays.NewPartition();
        var user = $"heavy-{partition}";
        var tracks = Plays.Tracks(200, skip: 1000);
        var events = Enumerable.Range(0, 1000).Select(i => Plays.Event(user, tracks[i % 200], Now.AddMinutes(-1000 + i))).ToArray();
        for (var batch = 0; batch < 10; batch++)
        {
            await _client.PublishAsync(Plays.At(partition, batch * 100, events[(batch * 100)..((batch + 1) * 100)]));
        }

        await _client.WaitProcessedAsync(partition, 999);

        var profile = await _client.GetGrain<IUserGrain>(user).GetProfileAsync();
        Assert.Equal(1000, profile!.Plays);
        Assert.Equal(UserState.HistoryCapacity, profile.RecentTracks.Length);
        Assert.Equal(tracks[999 % 200], profile.RecentTracks[0].TrackId);
        Assert.InRange(profile.TopArtists.Length, 1, 10);
        Assert.InRange(profile.TopGenres.Length, 1, 5);
    }

    [Fact]
    public async Task TrackGrainsGetPlaysTheUserGrainAppliedBeforeTheyDid()
    {
        // As after a crash: the user grain's state (with its watermark) survived, the track grains'
        // did not, and the partition is read again from the committed offset.
        var partition = Plays.NewPartition();
        var user = $"survivor-{partition}";
        var tracks = Plays.Tracks(2, skip: 400);
        var events = Plays.At(partition, 0,
            Plays.Event(user, tracks[0], Now.AddMinutes(-3)),
            Plays.Event(user, tracks[1], Now.AddMinutes(-2)),
            Plays.Event(user, tracks[0], Now.AddMinutes(-1)));
        await _client.UserBucketOf(user).ApplyAsync(new UserBucketBatch(partition, [new UserEvents(user, events)]));

        await _client.PublishAndWaitAsync(events);

        Assert.Equal(3, (await _client.GetGrain<IUserGrain>(user).GetProfileAsync())!.Plays);
        var plays = await PlaysOf(tracks);
        Assert.Equal([2L, 1L], plays);
        var coListened = await _client.BucketOf(ItemKinds.Track, tracks[1]).GetCoListenedAsync(tracks[1], 5);
        Assert.Equal([tracks[0]], coListened.Select(c => c.TrackId));
    }

    [Fact]
    public async Task ABatchOfListenersInMemoryAndNotAppliesEachPlayToItsListener()
    {
        // Three listeners of one bucket: the middle one is in memory already, the others are read in.
        var partition = Plays.NewPartition();
        var users = Enumerable.Range(0, 1_000).Select(i => $"mixed-{partition}-{i}")
            .GroupBy(UserBuckets.KeyOf).First(g => g.Count() >= 3).Take(3).ToArray();
        var tracks = Plays.Tracks(3, skip: 420);
        var bucket = _client.UserBucketOf(users[0]);
        await bucket.ApplyAsync(new UserBucketBatch(partition, [new UserEvents(users[1], Plays.At(partition, 0, Plays.Event(users[1], tracks[0], Now.AddMinutes(-9))))]));

        var events = Plays.At(partition, 1, [.. users.SelectMany((user, u) => Enumerable.Range(0, u + 1).Select(i => Plays.Event(user, tracks[i], Now.AddMinutes(-8 + u + i))))]);
        var result = await bucket.ApplyAsync(new UserBucketBatch(partition, [.. users.Select(user => new UserEvents(user, [.. events.Where(e => e.Event.UserId == user)]))]));

        Assert.Equal(users.Select((user, u) => (user, u + 1)), result.Users.Select(o => (o.UserId, o.Applied)));
        var plays = await Task.WhenAll(users.Select(async user => (await bucket.GetProfileAsync(user))!.Plays));
        Assert.Equal([1L, 3L, 3L], plays);
    }

    [Fact]
    public async Task CheckpointStaysBelowOffsetsStillBufferedInGrains()
    {
        // Two plays: every grain they feed gets fewer than five changes (a play, an occurrence, a
        // co-listen and a history partner at most), so none writes on its own.
        var partition = Plays.NewPartition();
        var user = $"buffered-{partition}";
        var tracks = Plays.Tracks(2, skip: 500);
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, [.. tracks.Select((t, i) => Plays.Event(user, t, Now.AddMinutes(-5 + i)))]));
        var checkpoint = KafkaCheckpoint.Get(_client, Constants.StreamProvider, partition);
        var partitionGrain = _client.GetGrain<IPartitionGrain>(partition);

        Assert.Equal(0, (await checkpoint.GetStateAsync()).DurableOffset);
        Assert.True((await partitionGrain.GetStatusAsync()).UndurableGrains >= 3, "the user, a track bucket and an artist bucket hold plays in memory");

        // Every grain the batch fed writes, except the last track's bucket: the checkpoint still may not move.
        var lastBucket = CoOccurrenceBuckets.KeyOf(ItemKinds.Track, tracks[1]);
        await FlushAsync(partition, [user], [.. tracks.Where(t => CoOccurrenceBuckets.KeyOf(ItemKinds.Track, t) != lastBucket)], ArtistsOf(tracks));
        await Eventually.TrueAsync(async () => (await partitionGrain.GetStatusAsync()).UndurableGrains == 1, "every report but one arrived");
        Assert.Equal(0, (await checkpoint.GetStateAsync()).DurableOffset);

        await _client.BucketOf(ItemKinds.Track, tracks[1]).FlushAsync(partition);
        await Eventually.TrueAsync(async () => (await checkpoint.GetStateAsync()).DurableOffset == 2, "the checkpoint moved to offset 2");
        Assert.Equal(0, (await partitionGrain.GetStatusAsync()).UndurableGrains);
    }

    [Fact]
    public async Task AListenerOutlivesTheActivationOfItsBucket()
    {
        // The bucket's next activation reads the listener back, watermark included: a replay of the plays
        // it applied counts nothing, and the listener's next plays count on top of what it had.
        var partition = Plays.NewPartition();
        var user = $"outliver-{partition}";
        var tracks = Plays.Tracks(5, skip: 1450);
        var events = Plays.At(partition, 0, [.. tracks.Select((t, i) => Plays.Event(user, t, Now.AddMinutes(-10 + i)))]);
        await _client.PublishAndWaitAsync(events[..3]);
        var bucket = _client.UserBucketOf(user);
        var before = await bucket.FlushAsync(partition);

        await bucket.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.TrueAsync(async () => (await bucket.FlushAsync(partition)).Activation != before.Activation, "a new activation of the bucket");

        await _client.PublishAsync(events);
        await Eventually.TrueAsync(
            async () => (await _client.GetGrain<IPartitionGrain>(partition).GetStatusAsync()) is { ReplaysSkipped: 3, NextOffset: 5 },
            "the replay and the two new plays were processed");
        var profile = (await _client.GetGrain<IUserGrain>(user).GetProfileAsync())!;
        Assert.Equal((5L, 0L), (profile.Plays, profile.DuplicatesDropped));
        Assert.Equal(tracks.Reverse(), profile.RecentTracks.Select(r => r.TrackId));
    }

    [Fact]
    public async Task AGrainThatWritesEveryFiveChangesIsDurableAtOnce()
    {
        var partition = Plays.NewPartition();
        var user = $"writer-{partition}";
        var track = Plays.Tracks(1, skip: 600)[0];
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, [.. Enumerable.Range(0, 5).Select(i => Plays.Event(user, track, Now.AddMinutes(-10 + i)))]));

        // The user had five changes and wrote; the co-occurrence buckets (the track's holds its plays) and
        // the count grains had fewer than the 1 000 changes they count before a write, and are asked to.
        await FlushAsync(partition, [], [track], ArtistsOf([track]));

        var checkpoint = KafkaCheckpoint.Get(_client, Constants.StreamProvider, partition);
        await Eventually.TrueAsync(async () => (await checkpoint.GetStateAsync()).DurableOffset == 5, "the checkpoint moved to offset 5");
    }

    private static string[] ArtistsOf(string[] tracks) =>
        [.. tracks.Select(t => Plays.Catalog.Tracks[Plays.Catalog.IndexOf(t)].PrimaryArtist!).Distinct()];

    /// <summary>
    /// Asks the buckets of the given users, the co-occurrence buckets of the given tracks and artists, and every
    /// count grain (occurrences, plays, skips) to write what they hold of <paramref name="partition"/>.
    /// </summary>
    private async Task FlushAsync(int partition, string[] users, string[] tracks, string[] artists)
    {
        IEnumerable<IFeatureGrain> grains =
        [
            .. users.Select(u => _client.UserBucketOf(u)),
            .. tracks.Select(t => _client.BucketOf(ItemKinds.Track, t)),
            .. artists.Select(a => _client.BucketOf(ItemKinds.Artist, a)),
            _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Track),
            _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Artist),
            .. ItemKinds.PlayCounts.Select(k => _client.GetGrain<IOccurrenceCountsGrain>(k)),
        ];
        await Task.WhenAll(grains.Select(g => g.FlushAsync(partition)));
    }

    [Fact]
    public async Task TrendingRanksTracksByPlaysInTheLastDay()
    {
        var partition = Plays.NewPartition();
        var tracks = Plays.Tracks(3, skip: 700);
        await _client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event($"t-{partition}-a", tracks[0], Now.AddMinutes(-30)),
            Plays.Event($"t-{partition}-b", tracks[0], Now.AddMinutes(-20)),
            Plays.Event($"t-{partition}-c", tracks[0], Now.AddHours(-23)),
            Plays.Event($"t-{partition}-a", tracks[1], Now.AddMinutes(-10)),
            Plays.Event($"t-{partition}-b", tracks[1], Now.AddHours(-30)),
            Plays.Event($"t-{partition}-c", tracks[2], Now.AddHours(-40))));

        var all = _client.GetGrain<ITrendingGrain>(TrendingKeys.All);
        await Eventually.TrueAsync(async () => (await all.GetTopAsync(1000)).Any(t => t.TrackId == tracks[1]), "trending was flushed");
        var top = await all.GetTopAsync(1000);
        var first = Array.FindIndex(top, t => t.TrackId == tracks[0]);
        var second = Array.FindIndex(top, t => t.TrackId == tracks[1]);
        Assert.Equal(3, top[first].Plays);
        Assert.Equal(1, top[second].Plays);
        Assert.True(first < second);
        Assert.DoesNotContain(top, t => t.TrackId == tracks[2]);

        // A flush updates the genres' trending grains and the whole catalog's at once: the genre's may
        // answer a moment after the catalog's did.
        var genre = _client.GetGrain<ITrendingGrain>(Plays.Catalog.Tracks[Plays.Catalog.IndexOf(tracks[0])].Genres[0]);
        await Eventually.TrueAsync(async () => (await genre.GetTopAsync(1000)).Any(t => t.TrackId == tracks[0]), "the genre's trending was flushed");
        var inGenre = await genre.GetTopAsync(1000);
        Assert.Contains(inGenre, t => t.TrackId == tracks[0] && t.Plays == 3);
    }

    [Fact]
    public async Task TrendingKeepsATracksNewestSnapshotWhicheverArrivesFirst()
    {
        var trending = _client.GetGrain<ITrendingGrain>($"trending-versions-{Guid.NewGuid():N}");
        const string track = "trending-versions-track";
        await trending.UpdateAsync([new TrendingEntry(track, WindowPlays: 5, Version: 9, Now.AddMinutes(-1))]);
        await trending.UpdateAsync([new TrendingEntry(track, WindowPlays: 2, Version: 4, Now.AddMinutes(-2))]);
        Assert.Equal(5, Assert.Single(await trending.GetTopAsync(10)).Plays);

        await trending.UpdateAsync([new TrendingEntry(track, WindowPlays: 6, Version: 10, Now)]);
        Assert.Equal(6, Assert.Single(await trending.GetTopAsync(10)).Plays);
    }

    [Fact]
    public async Task AFullTrendingGrainDropsStaleTracksThenTheLeastPlayedFirstListedFirst()
    {
        var trending = _client.GetGrain<ITrendingGrain>($"trending-capacity-{Guid.NewGuid():N}");
        // A track last played two days ago, with the most plays, then as many tracks as the capacity, each
        // three of them with as many plays.
        var stale = new TrendingEntry("stale", WindowPlays: 10_000, Version: 1, Now.AddDays(-2));
        var played = Enumerable.Range(0, TrendingGrain.Capacity).Select(i => new TrendingEntry($"t-{i:D4}", WindowPlays: i / 3, Version: 1, Now)).ToArray();

        await trending.UpdateAsync([stale, .. played]);

        // 1 001 entries, down to 750: the stale one, then 250 of the least played, the first of three with 83 plays among them.
        var kept = await trending.GetTopAsync(2 * TrendingGrain.Capacity);
        Assert.Equal(played[250..].Select(e => e.TrackId).Order(StringComparer.Ordinal), kept.Select(k => k.TrackId).Order(StringComparer.Ordinal));
    }

    private async Task<long[]> PlaysOf(string[] tracks) =>
        await Task.WhenAll(tracks.Select(async t => (await _client.GetGrain<ITrackGrain>(t).GetAsync())!.Plays));
}
