using Encore.Catalog;
using Encore.Features;
using Encore.Hosting;
using Encore.Pipeline;
using Encore.Tracks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Similarity;

/// <summary>Where an item's co-occurrences live: its kind's bucket grain for the item's stable hash.</summary>
public static class CoOccurrenceBuckets
{
    /// <summary>
    /// Buckets per kind. A partition batch makes at most this many calls per kind, however many items
    /// it pairs; more buckets spread one kind's applies over more turns (and silos) at once. Changing it
    /// moves items between buckets, so stored buckets would no longer be found: it is fixed.
    /// </summary>
    public const int Count = 32;

    private static readonly string[] ArtistKeys = KeysOf(ItemKinds.Artist);
    private static readonly string[] TrackKeys = KeysOf(ItemKinds.Track);
    private static readonly Lock GrowGate = new();

    // Each numbered item's bucket plus one, by its ItemIds number (see KeyOf(kind, item, number)).
    private static byte[] _bucketByNumber = new byte[1 << 18];

    /// <summary>The key of the bucket grain holding <paramref name="item"/> of <paramref name="kind"/>: "kind/bucket".</summary>
    public static string KeyOf(string kind, string item) => KeyOf(kind, KeyHash.Bucket(item, Count));

    private static string KeyOf(string kind, int bucket) =>
        kind switch
        {
            ItemKinds.Artist => ArtistKeys[bucket],
            ItemKinds.Track => TrackKeys[bucket],
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Co-occurrences are kept for {ItemKinds.Artist} and {ItemKinds.Track} only."),
        };

    /// <summary>
    /// <see cref="KeyOf(string, string)"/> for an item whose <see cref="ItemIds"/> number is
    /// <paramref name="number"/>: its bucket is hashed from its name once per process, not once per
    /// batch that pairs it (hashing the name was 1.5 % of a cold pass's samples).
    /// </summary>
    public static string KeyOf(string kind, string item, int number)
    {
        var buckets = _bucketByNumber;
        if ((uint)number >= (uint)buckets.Length)
        {
            buckets = Grow(number);
        }

        // The bucket plus one, 0 while not hashed yet. Threads that hash an item at once write the same value.
        var bucket = buckets[number] - 1;
        if (bucket < 0)
        {
            bucket = KeyHash.Bucket(item, Count);
            buckets[number] = (byte)(bucket + 1);
        }

        return KeyOf(kind, bucket);
    }

    private static byte[] Grow(int number)
    {
        lock (GrowGate)
        {
            var buckets = _bucketByNumber;
            if (number >= buckets.Length)
            {
                Array.Resize(ref buckets, Math.Max(number + 1, buckets.Length * 2));
                _bucketByNumber = buckets;
            }

            return buckets;
        }
    }

    public static ICoOccurrenceBucketGrain BucketOf(this IGrainFactory grains, string kind, string item) =>
        grains.Get<ICoOccurrenceBucketGrain>(KeyOf(kind, item));

    private static string[] KeysOf(string kind) => [.. Enumerable.Range(0, Count).Select(bucket => $"{kind}/{bucket}")];

    /// <summary>The kind of a bucket key, <see cref="ItemKinds.Artist"/> or <see cref="ItemKinds.Track"/>.</summary>
    public static string KindOf(string key) => key[..key.IndexOf('/', StringComparison.Ordinal)];
}

internal sealed class CoOccurrenceBucketGrain(
    [PersistentState("cooccurrences", Constants.GrainStorage)] IPersistentState<CoOccurrenceBucketState> state,
    OccurrenceCache occurrences,
    CatalogHolder catalogHolder,
    [FromKeyedServices(Clocks.Windows)] TimeProvider clock,
    IOptions<FeatureStateOptions> stateOptions,
    IOptions<SimilarityOptions> similarityOptions,
    CoOccurrenceFigures figures,
    ILogger<CoOccurrenceBucketGrain> logger) : Grain, ICoOccurrenceBucketGrain
{
    /// <summary>Co-listened tracks kept per track.</summary>
    private const int CoListenCapacity = 64;
    private static readonly TimeSpan CoListenHalfLife = TimeSpan.FromDays(7);

    /// <summary>
    /// Ranked lists of the items read in the last <see cref="NeighbourCache.MaxStale"/>, kept between
    /// requests (see <see cref="NeighbourCache"/>); each is also its list's <see cref="CoOccurrences.Ranking"/>.
    /// </summary>
    private readonly Dictionary<string, NeighbourCache> _nearest = new(StringComparer.Ordinal);

    // The state's lists by item number, filled as deltas of this process name them: finding a list by its
    // name was a twentieth of a warm pass's samples (docs/performance.md). S.Items only ever grows.
    private readonly Dictionary<int, CoOccurrences> _itemsByNumber = [];

    // The same for the tracks' statistics, with each track's catalog entry (null when not in the catalog):
    // the statistics by id and the catalog entry by id were two lookups by name per played track and
    // batch (docs/performance.md). S.Tracks only ever grows too.
    private readonly Dictionary<int, (TrackStats Stats, Track? Track)> _tracksByNumber = [];
    private FeatureStatePersister _persister = null!;
    private TrackCatalog _catalog = null!;
    private string _kind = null!;

    /// <summary>Partners each list keeps: its kind's capacity, lower once the bucket went past its share of the budget.</summary>
    private int _capacity;

    /// <summary>Partners all this bucket's lists hold, and the most they may (<see cref="PartnerBudget"/>).</summary>
    private long _partners;
    private long _share;
    private CoOccurrenceFigures.Bucket _figures = null!;

    /// <summary>
    /// Where this activation's lists grow to, until its first cut: a list's outgrown block goes to the
    /// next that grows to its length. A slab never gives a page back, and a cut leaves most of its blocks
    /// unused, so from then on the lists have arrays of their own, which mostly stay at their capacity.
    /// </summary>
    private PartnerSlab? _slab = new();

    private CoOccurrenceBucketState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _catalog = await catalogHolder.Loaded;
        _kind = CoOccurrenceBuckets.KindOf(this.GetPrimaryKeyString());
        _capacity = CoOccurrences.CapacityOf(_kind);
        _share = PartnerBudget.ShareOf(similarityOptions.Value.MaxPartners);
        _partners = S.Items.Values.Sum(items => (long)items.PartnerCount);
        _figures = figures.Register(this.GetPrimaryKeyString(), _kind);
        KeepWithinShare();

        // A bucket's state holds the partner lists of a 32nd of its kind's items, and every batch changes
        // some of them: it writes about once per write interval, not every few hundred changes.
        _persister = FeatureStatePersister.Of(this, GrainFactory, state, stateOptions, logger, writeEveryFactor: 1_000);
        _persister.Start();

        // Rankings kept past NeighbourCache.MaxStale would be made again anyway: every item ever read
        // held one, 174 MB of a silo's heap after ten minutes of the memory benchmark (docs/performance.md).
        this.RegisterGrainTimer(
            () =>
            {
                DropStaleRankings();
                return Task.CompletedTask;
            },
            new GrainTimerCreationOptions(NeighbourCache.MaxStale, NeighbourCache.MaxStale) { Interleave = false, KeepAlive = false });
    }

    private void DropStaleRankings()
    {
        var now = TimeProvider.System.GetTimestamp();
        foreach (var (item, nearest) in _nearest)
        {
            if (nearest.IsStaleAt(now))
            {
                _nearest.Remove(item);
                if (S.Items.TryGetValue(item, out var items))
                {
                    items.Ranking = null;
                }
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        figures.Remove(this.GetPrimaryKeyString(), _figures);
        return _persister.StopAsync();
    }

    public async Task<CoOccurrenceApplyResult> ApplyAsync(CoOccurrenceDelta delta)
    {
        _persister.EnsureFedActivation(delta.ExpectedActivation, delta.Partition);
        var watermark = S.AppliedOffsets.GetValueOrDefault(delta.Partition, -1);
        var now = clock.GetUtcNow();
        var applied = 0;
        var numbered = delta.ItemNumbering == ItemIds.Numbering;
        List<TrendingEntry>? trending = null;
        for (var i = 0; i < delta.Items.Length; i++)
        {
            var item = delta.Items[i];
            var number = numbered && delta.ItemNumbers is { } numbers ? numbers[i] : -1;
            var changed = ApplyHistory(item, number, delta.Occurrences.Of(i), delta.Hits.Of(i), numbered, watermark);

            if (ApplyPlays(item, number, delta.Plays.Of(i), watermark, now) is { } played)
            {
                (trending ??= []).Add(played.Stats.TrendingOf(item, now, played.Track?.Genres));
                applied += played.Count;
            }

            applied += changed + ApplyCoListens(item, delta.CoListens.Of(i), watermark);
        }

        if (delta.LastOffset > watermark)
        {
            S.AppliedOffsets[delta.Partition] = delta.LastOffset;
        }

        KeepWithinShare();

        await _persister.ChangedAsync(applied, delta.Partition);
        return new CoOccurrenceApplyResult(_persister.DurableNextOffset(delta.Partition), applied, _persister.Activation, trending?.ToArray());
    }

    /// <summary>Adds the track's plays above the watermark to its statistics; null when none was.</summary>
    /// <param name="number">The track's number in this process, -1 when the delta has none.</param>
    private (TrackStats Stats, Track? Track, int Count)? ApplyPlays(string trackId, int number, ReadOnlySpan<TrackPlay> plays, long watermark, DateTimeOffset now)
    {
        TrackStats? stats = null;
        Track? track = null;
        var count = 0;
        foreach (var play in plays)
        {
            if (play.Offset <= watermark)
            {
                continue;
            }

            if (stats is null)
            {
                (stats, track) = TrackStatsOf(trackId, number);
            }

            stats.Add(play, track?.DurationMs ?? 0, now);
            count++;
        }

        return stats is null ? null : (stats, track, count);
    }

    /// <summary>The track's statistics, made if it has none yet, and its catalog entry (null when not there).</summary>
    private (TrackStats Stats, Track? Track) TrackStatsOf(string trackId, int number)
    {
        if (number >= 0 && _tracksByNumber.TryGetValue(number, out var known))
        {
            return known;
        }

        if (!S.Tracks.TryGetValue(trackId, out var stats))
        {
            S.Tracks[SharedStrings.Of(trackId)] = stats = new TrackStats();
        }

        var found = (stats, _catalog.TryGet(trackId, out var track) ? track : null);
        if (number >= 0)
        {
            _tracksByNumber[number] = found;
        }

        return found;
    }

    /// <param name="number">The item's number in this process, -1 when the delta has none.</param>
    private int ApplyHistory(string item, int number, ReadOnlySpan<long> occurrenceOffsets, ReadOnlySpan<CoOccurrenceHit> hits, bool numbered, long watermark)
    {
        if (occurrenceOffsets.IsEmpty && hits.IsEmpty)
        {
            return 0;
        }

        if (number < 0 || !_itemsByNumber.TryGetValue(number, out var items))
        {
            if (!S.Items.TryGetValue(item, out items))
            {
                // One string, shared with every list that names the item, not the message's copy.
                S.Items[SharedStrings.Of(item)] = items = new CoOccurrences();
            }

            if (number >= 0)
            {
                _itemsByNumber[number] = items;
            }
        }

        var before = items.PartnerCount;
        var applied = items.Apply(watermark, occurrenceOffsets, hits, numbered, _capacity, _kind, occurrences, _slab);
        _partners += items.PartnerCount - before;
        if (applied > 0)
        {
            items.Ranking?.Changed();
        }

        return applied;
    }

    /// <summary>
    /// Past its share of the budget (and above the smallest capacity), the bucket lowers the capacity of
    /// all its lists and cuts the longer ones to it, weakest partners first, as a list past its capacity
    /// always was. Occurrences are not touched, so every count stays exact; only partners too weak to
    /// rank are forgotten. Then the silo's figures of the bucket are brought up to date.
    /// </summary>
    private void KeepWithinShare()
    {
        if (_partners > _share && _capacity > PartnerBudget.MinListCapacity)
        {
            CutToShare();
        }

        _figures.Set(_partners, _capacity);
    }

    private void CutToShare()
    {
        var before = _partners;
        _capacity = PartnerBudget.ListCapacity([.. S.Items.Values.Select(items => items.PartnerCount)], _share, _capacity);
        var strength = CoOccurrenceDeltas.StrengthOf(_kind, occurrences);
        foreach (var (item, items) in S.Items)
        {
            var count = items.PartnerCount;
            items.CutTo(_capacity, strength);
            if (items.PartnerCount < count)
            {
                _partners -= count - items.PartnerCount;
                items.Ranking?.Changed();
            }
        }

        _slab = null;
        CoOccurrenceLog.OverShare(logger, this.GetPrimaryKeyString(), before, _share, _capacity, _partners);
    }

    private int ApplyCoListens(string trackId, ReadOnlySpan<CoListenHit> hits, long watermark)
    {
        var applied = 0;
        DecayingScores? scores = null;
        foreach (var hit in hits)
        {
            if (hit.Offset <= watermark)
            {
                continue;
            }

            if (scores is null && !S.CoListened.TryGetValue(trackId, out scores))
            {
                S.CoListened[SharedStrings.Of(trackId)] = scores = new DecayingScores();
            }

            scores.Add(SharedStrings.Of(hit.OtherTrackId), 1.0, hit.Ts, CoListenHalfLife, CoListenCapacity);
            applied++;
        }

        return applied;
    }

    public Task<DurableOffset> FlushAsync(int partition) => _persister.FlushAsync(partition);

    public Task<ItemNeighbours> GetNeighboursAsync(string item, int count)
    {
        if (!S.Items.TryGetValue(item, out var items))
        {
            return Task.FromResult(new ItemNeighbours(0, []));
        }

        if (items.Ranking is not { } nearest)
        {
            _nearest[item] = items.Ranking = nearest = new NeighbourCache();
        }

        return Task.FromResult(new ItemNeighbours(items.Occurrences, nearest.Nearest(items, count, occurrences.CountsByNumber(_kind).Of)));
    }

    public Task<CoListen[]> GetCoListenedAsync(string trackId, int count) => Task.FromResult(CoListenedWith(trackId, count));

    public async Task<TrackView?> GetTrackAsync(string trackId, int count) =>
        _catalog.TryGet(trackId, out var track)
            ? TrackStats.ViewOf(track, S.Tracks.GetValueOrDefault(trackId), clock.GetUtcNow(), await GetNeighboursAsync(trackId, count), CoListenedWith(trackId, count))
            : null;

    private CoListen[] CoListenedWith(string trackId, int count) =>
        S.CoListened.TryGetValue(trackId, out var scores) ? [.. scores.Top(count).Select(e => new CoListen(e.Key, Math.Round(e.Value, 4)))] : [];
}

/// <summary>A co-occurrence bucket's state: each item's co-occurrences, each track's co-listens and play statistics, and per-partition applied offsets.</summary>
[GenerateSerializer]
public sealed class CoOccurrenceBucketState : IHasAppliedOffsets
{
    [Id(0)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
    [Id(1)] public Dictionary<string, CoOccurrences> Items { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Tracks only: the top 64 tracks played in the same sessions, time-decayed.</summary>
    [Id(2)] public Dictionary<string, DecayingScores> CoListened { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Tracks only: plays, skips, windows and listeners of each track played.</summary>
    [Id(3)] public Dictionary<string, TrackStats> Tracks { get; set; } = new(StringComparer.Ordinal);
}

internal static partial class CoOccurrenceLog
{
    [LoggerMessage(EventId = 1260, Level = LogLevel.Information,
        Message = "Co-occurrence bucket {Bucket} held {Before} partners, past its share {Share} of Similarity:MaxPartners: its lists now keep at most {Capacity} partners each ({After} in all)")]
    public static partial void OverShare(ILogger logger, string bucket, long before, long share, int capacity, long after);
}
