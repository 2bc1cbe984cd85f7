using Encore.Tracks;
using Orleans.Concurrency;

namespace Encore.Trending;

/// <summary>
/// One per genre plus one global (key <see cref="TrendingKeys.All"/>): the top tracks by plays in the last 24 h of
/// event time. Partition grains send it, once per batch, the snapshots the track grains returned; it
/// keeps the newest snapshot per track (by version), so replays and reordering cannot inflate it.
/// </summary>
public interface ITrendingGrain : IGrainWithStringKey
{
    Task UpdateAsync(TrendingEntry[] entries);

    // Reads interleave with applies, so that a request never queues behind a partition's batches: they change
    // nothing, and an apply changes the state only between its awaits, never across one.
    /// <summary>Top tracks, most played first; entries older than the window are left out.</summary>
    [AlwaysInterleave]
    Task<TrendingItem[]> GetTopAsync(int count);
}

[GenerateSerializer, Immutable]
public sealed record TrendingItem(
    [property: Id(0)] string TrackId,
    [property: Id(1)] long Plays,
    [property: Id(2)] DateTimeOffset LastPlayTs);

/// <summary>Keys of the trending grains.</summary>
public static class TrendingKeys
{
    /// <summary>The global trending grain; the others are keyed on the genre name.</summary>
    public const string All = "all";
}
