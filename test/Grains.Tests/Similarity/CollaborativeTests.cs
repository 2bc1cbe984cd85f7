using Encore.Catalog;
using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Recommendations;
using Encore.Similarity;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Core.Internal;

namespace Encore.Grains.Tests.Similarity;

/// <summary>Listeners' histories, through the partition grain, into artist, track and occurrence-count grains.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CollaborativeTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private static DateTimeOffset Now => ClusterFixture.Clock.GetUtcNow();

    [Fact]
    public async Task HistoriesLinkArtistsAndTracksAcrossSessions()
    {
        var partition = Plays.NewPartition();
        var (x, y) = TwoTracks(17_000);

        // Two hours apart: two sessions, so no co-listen, but one listener's history.
        await _client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event($"h-{partition}", x.TrackId, Now.AddHours(-3)),
            Plays.Event($"h-{partition}", y.TrackId, Now.AddHours(-1))));

        var artist = await _client.BucketOf(ItemKinds.Artist, x.Artists[0]).GetNeighboursAsync(x.Artists[0], 10);
        Assert.Equal(1, artist.Occurrences);
        Assert.Equal([y.PrimaryArtist!], artist.Neighbours.Select(n => n.Id));
        Assert.All(artist.Neighbours, n => Assert.Equal(1.0, n.CoOccurrences));

        var track = await _client.BucketOf(ItemKinds.Track, y.TrackId).GetNeighboursAsync(y.TrackId, 10);
        Assert.Equal(1, track.Occurrences);
        var neighbour = Assert.Single(track.Neighbours);
        Assert.Equal((x.TrackId, 1.0), (neighbour.Id, neighbour.CoOccurrences));
        Assert.Equal(1.0 / (1.0 + CoOccurrences.Shrinkage), neighbour.Similarity, 12);
        Assert.Empty(await _client.BucketOf(ItemKinds.Track, y.TrackId).GetCoListenedAsync(y.TrackId, 10));

        Assert.Equal(1, await _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Track).GetCountAsync(x.TrackId));
        Assert.Equal(1, await _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Artist).GetCountAsync(y.Artists[0]));
    }

    [Fact]
    public async Task CoOccurrencesCountOnceUnderReplaysAndResends()
    {
        var partition = Plays.NewPartition();
        var tracks = RecentHistoryTests.DistinctArtistTracks(3, from: 17_100);
        var user = $"r-{partition}";
        var events = tracks.Select((t, i) => Plays.Event(user, t.TrackId, Now.AddMinutes(-30 + 4 * i), eventId: $"r-{partition}-{i}")).ToArray();

        await _client.PublishAndWaitAsync(Plays.At(partition, 0, events));
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, events));
        await _client.PublishAndWaitAsync(Plays.At(partition, 3, events));

        var first = await _client.BucketOf(ItemKinds.Track, tracks[0].TrackId).GetNeighboursAsync(tracks[0].TrackId, 10);
        Assert.Equal(1, first.Occurrences);
        Assert.Equal(
            new[] { tracks[1].TrackId, tracks[2].TrackId }.Order(StringComparer.Ordinal).Select(t => (t, 1.0)),
            first.Neighbours.Select(n => (n.Id, n.CoOccurrences)).OrderBy(n => n.Id, StringComparer.Ordinal));
        var artist = await _client.BucketOf(ItemKinds.Artist, tracks[2].Artists[0]).GetNeighboursAsync(tracks[2].Artists[0], 10);
        Assert.Equal(1, artist.Occurrences);
        Assert.Equal(2, artist.Neighbours.Length);
        Assert.All(artist.Neighbours, n => Assert.Equal(1.0, n.CoOccurrences));
        Assert.Equal(1, await _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Track).GetCountAsync(tracks[1].TrackId));
        Assert.Equal(1, await _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Artist).GetCountAsync(tracks[1].Artists[0]));
    }

    [Fact]
    public async Task PlaysAndSkipsOfTracksAndArtistsCountOnceUnderReplaysAndResends()
    {
        var partition = Plays.NewPartition();
        var (a, b) = TwoTracksOfOneArtist(17_800);
        var user = $"s-{partition}";
        var events = new[]
        {
            Plays.Event(user, a.TrackId, Now.AddMinutes(-20), eventId: $"s-{partition}-0"),
            Plays.Event(user, b.TrackId, Now.AddMinutes(-16), msPlayed: 10_000, eventId: $"s-{partition}-1"),
            Plays.Event(user, a.TrackId, Now.AddMinutes(-12), eventId: $"s-{partition}-2"),
        };

        // Delivered, redelivered at the same offsets, then resent at new ones.
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, events));
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, events));
        await _client.PublishAndWaitAsync(Plays.At(partition, 3, events));

        async Task<long> Count(string kind, string item) => await _client.GetGrain<IOccurrenceCountsGrain>(kind).GetCountAsync(item);
        var artist = a.Artists[0];
        Assert.Equal(
            (2L, 0L, 1L, 1L, 3L, 1L),
            (await Count(ItemKinds.TrackPlays, a.TrackId), await Count(ItemKinds.TrackSkips, a.TrackId),
             await Count(ItemKinds.TrackPlays, b.TrackId), await Count(ItemKinds.TrackSkips, b.TrackId),
             await Count(ItemKinds.ArtistPlays, artist), await Count(ItemKinds.ArtistSkips, artist)));
    }

    [Fact]
    public async Task ListenersOfAnArtistGetItsNeighboursTracksWithThatReason()
    {
        // Three listeners play artist X's track x, then artist Y's track y, hours later. A fourth plays
        // only another track of X's: nothing links that track to y, X links it to Y.
        var partition = Plays.NewPartition();
        var (x, otherX) = TwoTracksOfOneArtist(17_300);
        var y = RecentHistoryTests.DistinctArtistTracks(1, 17_400).Single(t => !t.Artists.Intersect(x.Artists).Any());
        var plays = new List<Encore.Events.ListeningEvent>();
        for (var a = 0; a < 3; a++)
        {
            plays.Add(Plays.Event($"n-{partition}-a{a}", x.TrackId, Now.AddHours(-5)));
            plays.Add(Plays.Event($"n-{partition}-a{a}", y.TrackId, Now.AddHours(-2)));
        }

        plays.AddRange(Enumerable.Range(0, 3).Select(i => Plays.Event($"n-{partition}-b", otherX.TrackId, Now.AddMinutes(-30 + 5 * i))));
        await _client.PublishAndWaitAsync(Plays.At(partition, 0, [.. plays]));

        // An artist's tracks are taken most listened first, by the silo's snapshot of occurrence counts,
        // which is refreshed within seconds of the first request.
        var reasons = otherX.Artists.Select(a => $"because you play {a}").ToHashSet();
        Encore.Recommendations.Recommendations recs = null!;
        await Eventually.TrueAsync(async () =>
        {
            recs = await _client.GetGrain<IRecommendationGrain>(0).RecommendAsync($"n-{partition}-b", 20);
            return recs.Items.Any(i => i.TrackId == y.TrackId && reasons.Contains(i.Reasons[0]));
        }, "a track of the neighbouring artist, because of the listener's artist");

        Assert.DoesNotContain(recs.Items, i => i.TrackId == otherX.TrackId);
    }

    /// <summary>Two tracks credited to one artist alone, whom no earlier track of the catalog credits.</summary>
    private static (Track, Track) TwoTracksOfOneArtist(int from)
    {
        var catalog = Plays.Catalog;
        var earlier = catalog.Tracks.Take(from).SelectMany(t => t.Artists).ToHashSet(StringComparer.Ordinal);
        var pair = catalog.Tracks.Skip(from)
            .Where(t => t.Artists.Length == 1 && !earlier.Contains(t.Artists[0]))
            .GroupBy(t => t.Artists[0], StringComparer.Ordinal)
            .First(g => g.Count() >= 2)
            .Take(2)
            .ToArray();
        return (pair[0], pair[1]);
    }

    [Fact]
    public async Task AnArtistKeepsAtMostItsCapacityOfNeighbours()
    {
        var partition = Plays.NewPartition();
        var artist = $"bounded-{partition}";
        var bucket = _client.BucketOf(ItemKinds.Artist, artist);
        var hits = Enumerable.Range(0, CoOccurrences.ArtistCapacity + 44).Select(i => new CoOccurrenceHit(i, $"partner-{i:D4}", 16 + i)).ToArray();

        var delta = new CoOccurrenceDeltaBuilder();
        var slot = delta.AddItem(artist);
        delta.AddOccurrence(slot, 0);
        foreach (var hit in hits)
        {
            delta.AddHit(slot, hit);
        }

        await bucket.ApplyAsync(delta.Build(partition, hits.Length));

        var neighbours = await bucket.GetNeighboursAsync(artist, 10_000);
        Assert.InRange(neighbours.Neighbours.Length, CoOccurrences.ArtistCapacity * 3 / 4, CoOccurrences.ArtistCapacity);
        // The strongest partners stay: the heaviest hit is the last one.
        Assert.Equal($"partner-{hits.Length - 1:D4}", neighbours.Neighbours[0].Id);
    }

    [Fact]
    public async Task ABucketReadsTheHitsIdsOnlyInADeltaOfItsProcesssNumbering()
    {
        var partition = Plays.NewPartition();
        var artist = $"numbered-{partition}";
        var bucket = _client.BucketOf(ItemKinds.Artist, artist);

        // Each hit names one partner and numbers another, so the neighbour shows which of the two was read.
        async Task<string> PartnerAfter(long numbering, int offset, string named, string numbered)
        {
            var delta = new CoOccurrenceDeltaBuilder();
            var slot = delta.AddItem(artist, ItemIds.Of(artist));
            delta.AddHit(slot, new CoOccurrenceHit(offset, named, 16, ItemIds.Of(numbered)));
            await bucket.ApplyAsync(delta.Build(partition, offset, itemNumbering: numbering));
            var neighbours = await bucket.GetNeighboursAsync(artist, 10);
            return Assert.Single(neighbours.Neighbours, n => n.Id == named || n.Id == numbered).Id;
        }

        Assert.Equal($"b-{partition}", await PartnerAfter(ItemIds.Numbering, 0, $"a-{partition}", $"b-{partition}"));
        Assert.Equal($"c-{partition}", await PartnerAfter(ItemIds.Numbering + 1, 1, $"c-{partition}", $"d-{partition}"));

        // The item found by its number the first time and by its name the second is one list.
        var all = await bucket.GetNeighboursAsync(artist, 10);
        Assert.Equal([$"b-{partition}", $"c-{partition}"], all.Neighbours.Select(n => n.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ASilosCountsByNumberFollowEachNewSnapshot()
    {
        var partition = Plays.NewPartition();
        var (x, y) = TwoTracks(19_500);
        var counts = _client.GetGrain<IOccurrenceCountsGrain>(ItemKinds.Track);
        var cache = new OccurrenceCache(_client, TimeProvider.System, NullLogger<OccurrenceCache>.Instance);
        async Task<(long Numbered, long ByName)> ReadAsync()
        {
            await cache.RefreshAsync(ItemKinds.Track);
            return (cache.CountsByNumber(ItemKinds.Track).Of(ItemIds.Of(x.TrackId)), await counts.GetCountAsync(x.TrackId));
        }

        await _client.PublishAndWaitAsync(Plays.At(partition, 0,
            Plays.Event($"n1-{partition}", x.TrackId, Now.AddHours(-2)), Plays.Event($"n1-{partition}", y.TrackId, Now.AddHours(-1))));
        var first = await ReadAsync();
        await _client.PublishAndWaitAsync(Plays.At(partition, 2,
            Plays.Event($"n2-{partition}", x.TrackId, Now.AddHours(-2)), Plays.Event($"n2-{partition}", y.TrackId, Now.AddHours(-1))));
        var second = await ReadAsync();

        Assert.Equal(first.ByName, first.Numbered);
        Assert.Equal(first.ByName + 1, second.ByName);
        Assert.Equal(second.ByName, second.Numbered);
    }

    [Fact]
    public async Task AListThatChangedIsRankedAgainOnceItsRankingIsMaxAgeOld()
    {
        var partition = Plays.NewPartition();
        var artist = $"reranked-{partition}";
        var partner = $"partner-{partition}";
        var bucket = _client.BucketOf(ItemKinds.Artist, artist);
        async Task HitAsync(int offset)
        {
            var delta = new CoOccurrenceDeltaBuilder();
            var slot = delta.AddItem(artist, ItemIds.Of(artist));
            delta.AddHit(slot, new CoOccurrenceHit(offset, partner, CoOccurrenceWeights.Full, ItemIds.Of(partner)));
            await bucket.ApplyAsync(delta.Build(partition, offset, itemNumbering: ItemIds.Numbering));
        }

        async Task<double> WeightAsync() => Assert.Single((await bucket.GetNeighboursAsync(artist, 10)).Neighbours).CoOccurrences;

        await HitAsync(0);
        Assert.Equal(1.0, await WeightAsync());

        // The same partner again: the ranking read above is made again once it is MaxAge old, well before
        // MaxStale, the age at which any ranking is made again, changed or not.
        await HitAsync(1);
        await Eventually.TrueAsync(async () => await WeightAsync() == 2.0, "the second hit in the ranking", deadline: NeighbourCache.MaxStale / 2);
    }

    [Fact]
    public async Task ACountsGrainReadsNumbersOnlyInADeltaOfItsProcesssNumberingAndKeepsItsCountsByName()
    {
        var partition = Plays.NewPartition();
        var counts = _client.GetGrain<IOccurrenceCountsGrain>($"counted-{partition}");
        string named = $"named-{partition}", numbered = $"numbered-{partition}";

        // Each occurrence names one item and numbers another, so the counts show which of the two was read.
        var occurrence = new ItemOccurrence(0, named, ItemIds.Of(numbered));
        await counts.ApplyAsync(new OccurrenceDelta(partition, 0, [occurrence], ItemNumbering: ItemIds.Numbering));
        await counts.ApplyAsync(new OccurrenceDelta(partition, 2, [occurrence with { Offset = 1 }, occurrence with { Offset = 2 }], ItemNumbering: ItemIds.Numbering + 1));

        var expected = new Dictionary<string, long> { [named] = 2, [numbered] = 1 };
        Assert.Equal(expected, (await counts.GetSnapshotAsync(knownVersion: 0))!.Counts);

        // The counts are stored by name when the activation stops, and the next activation counts on from them.
        var before = await counts.FlushAsync(partition);
        await counts.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.TrueAsync(async () => (await counts.FlushAsync(partition)).Activation != before.Activation, "a new activation of the counts");
        await counts.ApplyAsync(new OccurrenceDelta(partition, 3, [occurrence with { Offset = 3 }], ItemNumbering: ItemIds.Numbering));

        Assert.Equal((2L, 2L), (await counts.GetCountAsync(named), await counts.GetCountAsync(numbered)));
        Assert.Equal(0, await counts.GetCountAsync($"never-{partition}"));
    }

    [Fact]
    public async Task ABucketsListsAreStoredWhenItStopsAndReadBackByItsNextActivation()
    {
        var partition = Plays.NewPartition();
        var artist = $"stored-{partition}";
        var partner = $"partner-{partition}";
        var bucket = _client.BucketOf(ItemKinds.Artist, artist);
        Task<CoOccurrenceApplyResult> HitAsync(int offset)
        {
            var delta = new CoOccurrenceDeltaBuilder();
            var slot = delta.AddItem(artist, ItemIds.Of(artist));
            delta.AddHit(slot, new CoOccurrenceHit(offset, partner, CoOccurrenceWeights.Full, ItemIds.Of(partner)));
            return bucket.ApplyAsync(delta.Build(partition, offset, itemNumbering: ItemIds.Numbering));
        }

        await HitAsync(0);
        var before = await HitAsync(1);

        // Offset 1 again is a replay, which counts nothing and says which activation answered.
        await bucket.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.TrueAsync(async () => (await HitAsync(1)).Activation != before.Activation, "a new activation of the bucket");

        var neighbour = Assert.Single((await bucket.GetNeighboursAsync(artist, 10)).Neighbours);
        Assert.Equal((partner, 2.0), (neighbour.Id, neighbour.CoOccurrences));
    }

    private static (Track X, Track Y) TwoTracks(int from)
    {
        var tracks = RecentHistoryTests.DistinctArtistTracks(2, from);
        return (tracks[0], tracks[1]);
    }
}
