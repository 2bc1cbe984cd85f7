using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Grains.Tests.Similarity;
using Encore.Ranking;
using Encore.Recommendations;
using Encore.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Encore.Grains.Tests.Ranking;

/// <summary>
/// Training snapshots: taken by the user grain before a sampled play, holding what the recommender knew
/// then (not what the plays after it taught the grains), and labelled by those later plays.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TrainingDataTests(ClusterFixture fixture)
{
    /// <summary>The test cluster's sampling: every setting default but the per-second limit.</summary>
    private static readonly TrainingLog ClusterSampling = new(Options.Create(new RankerOptions { SnapshotsPerSecond = 0 }), TimeProvider.System);

    private static DateTimeOffset Now => ClusterFixture.Clock.GetUtcNow();

    [Fact]
    public async Task ASnapshotHoldsWhatTheRecommenderKnewBeforeThePlayAndIsLabelledByWhatCameAfter()
    {
        var client = fixture.Client;
        var partition = Plays.NewPartition();
        var tracks = RecentHistoryTests.DistinctArtistTracks(15, from: 18_000);
        var (history, y, z, w) = (tracks[..12], tracks[12], tracks[13], tracks[14]);
        var user = $"snap-{partition}";
        var start = Now.AddHours(-5);

        // Another listener links the first history track with y.
        await client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event($"other-{partition}", history[0].TrackId, start),
            Plays.Event($"other-{partition}", y.TrackId, start.AddMinutes(4))));

        // The listener: 12 plays, then z completed (the one sampled play: the snapshot comes just
        // before it), then w skipped.
        var events = history.Select((t, i) => Plays.Event(user, t.TrackId, start.AddMinutes(10 + 4 * i), t.DurationMs, eventId: EventId(user, i, sampled: false))).ToList();
        var cutOff = start.AddMinutes(60);
        events.Add(Plays.Event(user, z.TrackId, cutOff, z.DurationMs, eventId: EventId(user, 12, sampled: true)));
        events.Add(Plays.Event(user, w.TrackId, cutOff.AddMinutes(4), 10_000, eventId: EventId(user, 13, sampled: false)));
        await client.PublishAndWaitAsync(Plays.At(partition, 2, [.. events]));

        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var logged = await Task.WhenAll(hosts.Keys.Select(h => client.GetGrain<ITrainingLogGrain>(h.ToParsableString()).GetAsync(0, int.MaxValue)));
        var snapshot = Assert.Single(logged.SelectMany(l => l), s => s.UserId == user);
        Assert.Equal((cutOff, 12L), (snapshot.At, snapshot.PlaysBefore));
        Assert.Equal(history.Select(t => t.TrackId).ToHashSet(), snapshot.Heard.ToHashSet());
        Assert.DoesNotContain(snapshot.Candidates.TrackIds, history.Select(t => t.TrackId).Contains);
        var features = Features(snapshot.Candidates);
        Assert.All(features.Values, f => Assert.Equal(((float)cutOff.Hour, MathF.Log(1 + 12)), (f[18], f[19])));

        // y was a track neighbour of the history already; z became one only through the plays after
        // the cut-off, so the snapshot cannot know it, while candidates built now for the same
        // listener as of the cut-off (the leak) do.
        const int trackNeighbour = 1;
        Assert.True(features[y.TrackId][trackNeighbour] > 0);
        Assert.Equal(0f, features.GetValueOrDefault(z.TrackId)?[trackNeighbour] ?? 0f);
        var asOfCutOff = (await client.GetGrain<IUserGrain>(user).GetTasteAsync())! with
        {
            Plays = 12,
            HeardTrackIds = snapshot.Heard,
            RecentTrackIds = [.. history.Reverse().Select(t => t.TrackId)],
        };
        // The silo keeps the neighbour lists the snapshot fetched for a few seconds (SharedLists.MaxAge).
        await Eventually.TrueAsync(async () =>
        {
            var later = Features(await client.GetGrain<IRecommendationGrain>(0).GetCandidatesAsync(new CandidateRequest(asOfCutOff, cutOff)));
            return later.GetValueOrDefault(z.TrackId)?[trackNeighbour] > 0;
        }, "z a track neighbour in candidates built after the plays");

        var profile = (await client.GetGrain<IUserGrain>(user).GetProfileAsync())!;
        var group = TrainingData.Label(snapshot, profile, Plays.Catalog)!;
        Assert.Equal(new HashSet<string> { z.TrackId }, group.Relevant);
        // z completed, w skipped; z's artist, new to the listener, was discovered: its other tracks get a grade too.
        var grades = new Dictionary<string, float> { [z.TrackId] = TrainingData.Completed, [w.TrackId] = TrainingData.Skipped };
        Assert.Equal(
            snapshot.Candidates.TrackIds.Select(id => grades.TryGetValue(id, out var grade) ? grade
                : Plays.Catalog.Tracks[Plays.Catalog.IndexOf(id)].PrimaryArtist == z.PrimaryArtist ? TrainingData.ArtistDiscovered : 0),
            group.Labels);
        Assert.Equal((cutOff, cutOff.AddMinutes(4)), (group.WindowStart, group.WindowEnd));
    }

    [Fact]
    public void ASnapshotIsLabelledOnlyByPlaysAfterItWithinTheWindowWhileTheHistoryReachesBack()
    {
        // Six tracks of six artists, and a seventh track by the artist of the third.
        var catalog = Plays.Catalog;
        var pair = catalog.Tracks.Where(t => t.DurationMs > 100_000 && t.PrimaryArtist is not null).GroupBy(t => t.PrimaryArtist).First(g => g.Count() >= 2).ToArray();
        var others = RecentHistoryTests.DistinctArtistTracks(40, from: 500).Where(t => t.DurationMs > 100_000 && !t.Artists.Intersect(pair[0].Artists).Any()).Take(5).ToArray();
        var tracks = new[] { others[0], others[1], pair[0], others[2], others[3], others[4], pair[1] };
        var at = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var snapshot = new TrainingSnapshot("u", at, 10, [tracks[0].TrackId],
            new CandidateSet([.. tracks.Select(t => t.TrackId)], [.. tracks.Select(_ => new float[CandidateFeatures.Count])], [.. tracks.Select(_ => 0.0)]));

        // Newest first: two plays before the cut-off (one of a track heard then), the cut-off's play
        // played 60 s, a completed play, and one a day and a minute after the cut-off.
        RecentPlay Play(int track, TimeSpan after, long ms) => new(tracks[track].TrackId, "", [], at + after, ms, false);
        var history = new[]
        {
            Play(4, TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1), tracks[4].DurationMs),
            Play(2, TimeSpan.FromMinutes(8), tracks[2].DurationMs),
            Play(0, TimeSpan.FromMinutes(4), tracks[0].DurationMs),
            Play(1, TimeSpan.Zero, 60_000),
            Play(3, TimeSpan.FromMinutes(-4), tracks[3].DurationMs),
            Play(5, TimeSpan.FromMinutes(-8), tracks[5].DurationMs),
        };

        var group = TrainingData.Label(snapshot, Profile(14, history), catalog)!;

        // Track 0 completed again (heard before: not relevant), 1 played 60 s, 2 completed; 4 is past
        // the window; 6 is by the artist of 2, discovered after the cut-off.
        Assert.Equal([TrainingData.Completed, TrainingData.Played, TrainingData.Completed, 0f, 0f, 0f, TrainingData.ArtistDiscovered], group.Labels);
        Assert.Equal(new HashSet<string> { tracks[1].TrackId, tracks[2].TrackId }, group.Relevant);
        Assert.Equal((at, at.AddMinutes(8)), (group.WindowStart, group.WindowEnd));

        Assert.Null(TrainingData.Label(snapshot, Profile(10, history), catalog));
        Assert.Null(TrainingData.Label(snapshot, Profile(17, history), catalog));
    }

    [Fact]
    public void TheLogSamplesOnlyListenersWithAHistoryAndKeepsTheNewestSnapshots()
    {
        var log = new TrainingLog(Options.Create(new RankerOptions { SnapshotEvery = 1, SnapshotsPerSecond = 0, SnapshotCapacity = 3 }), TimeProvider.System);
        Assert.False(log.TryStart(KeyHash.Of("e"), TrainingLog.MinHistory - 1));
        Assert.True(log.TryStart(KeyHash.Of("e"), TrainingLog.MinHistory));
        Assert.False(new TrainingLog(Options.Create(new RankerOptions { SnapshotEvery = 0 }), TimeProvider.System).TryStart(KeyHash.Of("e"), 100));

        foreach (var i in Enumerable.Range(0, 5))
        {
            log.Add(new TrainingSnapshot($"u{i}", Now, i, [], new CandidateSet([], [], [])));
        }

        Assert.Equal(["u2", "u3", "u4"], log.Get(0, 10).Select(s => s.UserId));
        Assert.Equal(["u3"], log.Get(1, 1).Select(s => s.UserId));
    }

    [Fact]
    public void TheLogGivesBackEachCandidatesFeaturesAsTheyWereAdded()
    {
        var log = new TrainingLog(Options.Create(new RankerOptions { SnapshotsPerSecond = 0 }), TimeProvider.System);
        float[][] features = [[1, 2, 3], [4, 5, 6]];
        float[][] ragged = [[1], [2, 3]];
        float[][] empty = [[], []];
        log.Add(new TrainingSnapshot("u", Now, 12, ["h"], new CandidateSet(["t1", "t2"], features, [0.5, 0.25])));
        log.Add(new TrainingSnapshot("v", Now, 12, ["h"], new CandidateSet(["t1", "t2"], ragged, [0.5, 0.25])));
        log.Add(new TrainingSnapshot("w", Now, 12, ["h"], new CandidateSet([], [], [])));
        log.Add(new TrainingSnapshot("x", Now, 12, ["h"], new CandidateSet(["t1", "t2"], empty, [0.5, 0.25])));

        var kept = log.Get(0, 10);

        Assert.Equal(features, kept[0].Candidates.Features);
        Assert.Equal(["t1", "t2"], kept[0].Candidates.TrackIds);
        Assert.Equal([0.5, 0.25], kept[0].Candidates.HeuristicScores);
        Assert.Equal(ragged, kept[1].Candidates.Features);
        Assert.Empty(kept[2].Candidates.Features);
        Assert.Equal(empty, kept[3].Candidates.Features);
        Assert.Equal(("u", 12L, "h"), (kept[0].UserId, kept[0].PlaysBefore, kept[0].Heard.Single()));
    }

    [Fact]
    public void NoMoreSnapshotsASecondThanTheLimitAfterABurstOfOneSecondsWorth()
    {
        var clock = new FakeTimeProvider();
        var log = new TrainingLog(Options.Create(new RankerOptions { SnapshotEvery = 1, SnapshotsPerSecond = 4 }), clock);
        int Taken(int plays) => Enumerable.Range(0, plays).Count(i => Sampled(log, $"e{i}"));

        Assert.Equal(4, Taken(10));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, Taken(10));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, Taken(10));
    }

    [Fact]
    public void NoMoreSnapshotsAtOnceThanTheCapWhenLimitedAndAnyNumberWhenNot()
    {
        var limited = new TrainingLog(Options.Create(new RankerOptions { SnapshotEvery = 1, SnapshotsPerSecond = 100 }), new FakeTimeProvider());
        Assert.Equal(TrainingLog.MaxInFlight, Enumerable.Range(0, 10).Count(i => limited.TryStart(KeyHash.Of($"e{i}"), 100)));
        limited.Finish();
        Assert.True(limited.TryStart(KeyHash.Of("next"), 100));

        var unlimited = new TrainingLog(Options.Create(new RankerOptions { SnapshotEvery = 1, SnapshotsPerSecond = 0 }), new FakeTimeProvider());
        Assert.Equal(10, Enumerable.Range(0, 10).Count(i => unlimited.TryStart(KeyHash.Of($"e{i}"), 100)));
    }

    /// <summary>Whether <paramref name="log"/> samples the eventId, the snapshot then finished at once.</summary>
    private static bool Sampled(TrainingLog log, string eventId)
    {
        var started = log.TryStart(KeyHash.Of(eventId), TrainingLog.MinHistory);
        if (started)
        {
            log.Finish();
        }

        return started;
    }

    /// <summary>An eventId that the cluster's sampling picks (or does not) for a listener with a history.</summary>
    private static string EventId(string user, int play, bool sampled)
    {
        for (var n = 0; ; n++)
        {
            var id = $"{user}-{play}-{n}";
            if (Sampled(ClusterSampling, id) == sampled)
            {
                return id;
            }
        }
    }

    private static Dictionary<string, float[]> Features(CandidateSet set) =>
        set.TrackIds.Zip(set.Features).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);

    private static UserProfile Profile(long plays, RecentPlay[] recent) => new()
    {
        UserId = "u",
        Plays = plays,
        TopGenres = [],
        TopArtists = [],
        RecentTracks = recent,
        Session = new SessionInfo(null, 0, []),
        Taste = [],
    };
}
