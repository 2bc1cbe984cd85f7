using Encore.Pipeline;
using Orleans.Concurrency;

namespace Encore.Similarity;

/// <summary>
/// One per hash bucket of items of one kind (<see cref="ItemKinds.Artist"/> or <see cref="ItemKinds.Track"/>),
/// keyed on "kind/bucket": for every item of the bucket, how often it entered a listener's recent history
/// (an occurrence), and with which other items of that history (the co-occurrences of the collaborative
/// signal), top-K by strength; for tracks also the tracks played in the same sessions (co-listens) and
/// the play statistics (all-time and windowed plays and skips, completion, unique listeners). A play
/// pairs its track and artist with up to dozens of earlier ones, each a different item: as one grain
/// per item that was most of a silo's grain calls, while a partition batch now makes one call per
/// bucket it touches. Fed by partition grains with one aggregated delta per bucket and batch;
/// exactly-once through a per-partition watermark (entries carry the offset of the play that caused them).
/// </summary>
public interface ICoOccurrenceBucketGrain : IFeatureGrain
{
    /// <summary>Applies one partition batch's occurrences and co-occurrences of this bucket's items, in offset order per partition.</summary>
    Task<CoOccurrenceApplyResult> ApplyAsync(CoOccurrenceDelta delta);

    // Reads interleave with applies, so that a request never queues behind a partition's batches: they change
    // nothing, and an apply changes the state only between its awaits, never across one.
    /// <summary>The item's nearest neighbours by shrunk cosine similarity, strongest first (none for an item never seen).</summary>
    [AlwaysInterleave]
    Task<ItemNeighbours> GetNeighboursAsync(string item, int count);

    /// <summary>The tracks most co-listened with <paramref name="trackId"/>, strongest first (time-decayed session co-occurrence).</summary>
    [AlwaysInterleave]
    Task<Tracks.CoListen[]> GetCoListenedAsync(string trackId, int count);

    /// <summary>
    /// A track's catalog fields, statistics, <paramref name="count"/> nearest neighbours and co-listens
    /// (zeros for a track never played); <c>null</c> for an id not in the catalog.
    /// </summary>
    [AlwaysInterleave]
    Task<Tracks.TrackView?> GetTrackAsync(string trackId, int count);
}

/// <summary>
/// One per count kind, keyed on the kind: every item's count. <see cref="ItemKinds.Artist"/> and
/// <see cref="ItemKinds.Track"/> count occurrences (entries into a listener's recent history), the
/// denominator of every similarity; <see cref="ItemKinds.PlayCounts"/> count plays and skips, the
/// ranker's skip rates. Each silo keeps a snapshot of each (refreshed every few seconds), so that
/// normalising a neighbour list or scoring a candidate list costs no grain call per item.
/// </summary>
public interface IOccurrenceCountsGrain : IFeatureGrain
{
    /// <summary>Applies one partition batch's occurrences, in offset order per partition.</summary>
    Task<CoOccurrenceApplyResult> ApplyAsync(OccurrenceDelta delta);

    /// <summary>All counts, or <c>null</c> when they have not changed since <paramref name="knownVersion"/>.</summary>
    Task<OccurrenceSnapshot?> GetSnapshotAsync(long knownVersion);

    /// <summary>One item's count (0 for an item never seen).</summary>
    Task<long> GetCountAsync(string item);
}

public static class ItemKinds
{
    public const string Artist = "artist";
    public const string Track = "track";

    /// <summary>Plays of each track, skips included (the ranker's skip rates).</summary>
    public const string TrackPlays = "track-plays";

    public const string TrackSkips = "track-skips";

    /// <summary>Plays of each artist's tracks (the track's first artist), skips included.</summary>
    public const string ArtistPlays = "artist-plays";

    public const string ArtistSkips = "artist-skips";

    /// <summary>The kinds counted per play rather than per entry into a history.</summary>
    public static readonly string[] PlayCounts = [TrackPlays, TrackSkips, ArtistPlays, ArtistSkips];
}

/// <summary>
/// What one partition batch did to the co-occurrences of one bucket's items: each sort of entry grouped
/// by item, item <c>i</c> being <see cref="Items"/>[i]. Flat arrays rather than an object per item: a
/// batch touches thousands of items, most of them through one entry (built by <see cref="CoOccurrenceDeltaBuilder"/>).
/// </summary>
/// <param name="LastOffset">The last offset of the batch: the bucket has seen all of the partition up to here.</param>
/// <param name="Occurrences">Offsets of the plays through which the item entered a listener's recent history.</param>
/// <param name="Hits">Other items of that history (or items that entered it while this one was there).</param>
/// <param name="CoListens">Tracks played in the same session as this track (tracks only).</param>
/// <param name="Plays">The track's counted plays (tracks only).</param>
/// <param name="ExpectedActivation">As in <see cref="Users.UserBucketBatch"/>: another activation refuses the delta.</param>
/// <param name="ItemNumbering">
/// The numbering of the hits' <see cref="CoOccurrenceHit.OtherId"/>s (the sender's process's); 0 when
/// they carry none. A receiver of another numbering reads the names.
/// </param>
/// <param name="ItemNumbers">The numbers of <see cref="Items"/>, under the same rule; null when there are none.</param>
[GenerateSerializer, Immutable]
public sealed record CoOccurrenceDelta(
    [property: Id(0)] int Partition,
    [property: Id(1)] long LastOffset,
    [property: Id(2)] string[] Items,
    [property: Id(3)] ItemGroups<long> Occurrences,
    [property: Id(4)] ItemGroups<CoOccurrenceHit> Hits,
    [property: Id(5)] ItemGroups<Tracks.CoListenHit> CoListens,
    [property: Id(6)] ItemGroups<Tracks.TrackPlay> Plays,
    [property: Id(7)] Guid ExpectedActivation = default,
    [property: Id(8)] long ItemNumbering = 0,
    [property: Id(9)] int[]? ItemNumbers = null);

/// <summary>Entries grouped by item, in arrival order within each item: item <c>i</c>'s end where item <c>i + 1</c>'s begin, at <c>Ends[i]</c>.</summary>
[GenerateSerializer, Immutable]
public readonly record struct ItemGroups<T>(
    [property: Id(0)] T[] Entries,
    [property: Id(1)] int[] Ends)
{
    /// <summary>The entries of the item at <paramref name="item"/> (none when the delta has no entry of this sort).</summary>
    public ReadOnlySpan<T> Of(int item)
    {
        if (Entries.Length == 0)
        {
            return [];
        }

        var start = item == 0 ? 0 : Ends[item - 1];
        return Entries.AsSpan(start, Ends[item] - start);
    }
}

/// <summary>The item co-occurred with <paramref name="Other"/> in a listener's history, through the play at <paramref name="Offset"/>.</summary>
/// <param name="Weight">In units of 1/<see cref="CoOccurrenceWeights.Full"/>: less for plays further apart in time.</param>
/// <param name="OtherId">
/// <paramref name="Other"/>'s number in the sender's process, read only in a delta of the receiver's
/// numbering (<see cref="CoOccurrenceDelta.ItemNumbering"/>): numbering each partner of each hit again
/// was a tenth of a silo's CPU once listeners had histories (docs/performance.md).
/// </param>
[GenerateSerializer, Immutable]
public readonly record struct CoOccurrenceHit(
    [property: Id(0)] long Offset,
    [property: Id(1)] string Other,
    [property: Id(2)] int Weight,
    [property: Id(3)] int OtherId = 0);

/// <summary>One partition batch's occurrences of items of one kind.</summary>
/// <param name="ItemNumbering">
/// The numbering of the occurrences' <see cref="ItemOccurrence.Number"/>s (the sender's process's); a
/// receiver in another process reads the names instead.
/// </param>
[GenerateSerializer, Immutable]
public sealed record OccurrenceDelta(
    [property: Id(0)] int Partition,
    [property: Id(1)] long LastOffset,
    [property: Id(2)] ItemOccurrence[] Occurrences,
    [property: Id(3)] Guid ExpectedActivation = default,
    [property: Id(4)] long ItemNumbering = 0);

/// <param name="Number">The item's number in the delta's numbering, -1 when the sender had none at hand.</param>
[GenerateSerializer, Immutable]
public readonly record struct ItemOccurrence([property: Id(0)] long Offset, [property: Id(1)] string Item, [property: Id(2)] int Number = -1);

/// <param name="Trending">For a track bucket, the windowed plays of each track this delta added plays to, for the trending grains.</param>
[GenerateSerializer, Immutable]
public sealed record CoOccurrenceApplyResult(
    [property: Id(0)] long DurableNextOffset,
    [property: Id(1)] int Applied,
    [property: Id(2)] Guid Activation,
    [property: Id(3)] Tracks.TrendingEntry[]? Trending = null);

/// <param name="Occurrences">How many times the item entered a listener's recent history.</param>
[GenerateSerializer, Immutable]
public sealed record ItemNeighbours(
    [property: Id(0)] long Occurrences,
    [property: Id(1)] Neighbour[] Neighbours);

/// <summary>
/// One of an item's nearest neighbours. A struct: silos keep ranked lists of up to hundreds of them per
/// item read, remade every few seconds, and as objects they were the most numerous thing on the heap.
/// </summary>
/// <param name="Similarity">Co-occurrence / (√(occurrences of both) + shrinkage), in 0..1.</param>
/// <param name="CoOccurrences">The summed co-occurrence weight, in whole co-occurrences.</param>
[GenerateSerializer, Immutable]
public readonly record struct Neighbour(
    [property: Id(0)] string Id,
    [property: Id(1)] double Similarity,
    [property: Id(2)] double CoOccurrences);

[GenerateSerializer, Immutable]
public sealed record OccurrenceSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] Dictionary<string, long> Counts);

/// <summary>Co-occurrence weights are whole numbers, so that sums are exact in any order of arrival.</summary>
public static class CoOccurrenceWeights
{
    /// <summary>The weight of two plays at the same time; one occurrence counts this much too.</summary>
    public const int Full = 16;
}
