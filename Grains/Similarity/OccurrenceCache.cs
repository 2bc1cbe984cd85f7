using System.Collections.Concurrent;
using Encore.Features;
using Microsoft.Extensions.Logging;

namespace Encore.Similarity;

/// <summary>
/// This silo's copy of every item's count (<see cref="IOccurrenceCountsGrain"/>), per kind (occurrences, plays, skips),
/// refreshed in the background when it is older than <see cref="RefreshInterval"/>. Normalising a
/// neighbour list needs the count of every neighbour; a call per neighbour would cost more than the
/// whole recommendation. Counts a few seconds old change a similarity by a rounding.
/// </summary>
public sealed partial class OccurrenceCache(IGrainFactory grainFactory, TimeProvider time, ILogger<OccurrenceCache> logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Kind> _kinds = new(StringComparer.Ordinal);

    /// <summary>The occurrences of <paramref name="item"/> as of the last refresh (0 when unknown).</summary>
    public long CountOf(string kind, string item) => CountsOf(kind).GetValueOrDefault(item);

    /// <summary>
    /// Every item's count of <paramref name="kind"/> as of the last refresh: one snapshot for a whole
    /// list's thousands of lookups, instead of finding the kind again for each.
    /// </summary>
    public IReadOnlyDictionary<string, long> CountsOf(string kind)
    {
        var k = KindOf(kind);
        RefreshIfStale(k);
        return k.Snapshot.Counts;
    }

    /// <summary>
    /// The same counts by <see cref="ItemIds"/> number, for ranking partner lists, which hold numbers:
    /// finding each partner's name and hashing it was most of what a ranking cost (docs/performance.md).
    /// Built by the refresh that brings a new snapshot, once the kind has been read by number: only the
    /// first read, or one in the moment between a snapshot and its numbers, builds them itself.
    /// </summary>
    public NumberedCounts CountsByNumber(string kind)
    {
        var k = KindOf(kind);
        RefreshIfStale(k);
        var snapshot = k.Snapshot;
        var numbered = k.Numbered;
        if (numbered is null || !ReferenceEquals(numbered.Source, snapshot))
        {
            // Two callers may build it at once; both build the same counts, and either is kept.
            k.Numbered = numbered = NumberedCounts.Of(snapshot);
        }

        return numbered;
    }

    /// <summary>Refreshes now; for tests and for the first request after start.</summary>
    public async Task RefreshAsync(string kind)
    {
        var k = KindOf(kind);
        var snapshot = await grainFactory.GetGrain<IOccurrenceCountsGrain>(kind).GetSnapshotAsync(k.Snapshot.Version);
        if (snapshot is not null)
        {
            // Numbering every name of a kind takes milliseconds: done here, off the grains' turns, rather
            // than by whichever ranking or eviction first reads the new snapshot.
            var numbered = k.Numbered is null ? null : NumberedCounts.Of(snapshot);
            k.Snapshot = snapshot;
            if (numbered is not null)
            {
                k.Numbered = numbered;
            }
        }

        k.RefreshedAt = time.GetTimestamp();
    }

    private Kind KindOf(string kind) => _kinds.GetOrAdd(kind, name => new Kind(name));

    private void RefreshIfStale(Kind k)
    {
        if ((k.RefreshedAt != 0 && time.GetElapsedTime(k.RefreshedAt) < RefreshInterval) || Interlocked.CompareExchange(ref k.Refreshing, 1, 0) != 0)
        {
            return;
        }

        // Off the calling grain's scheduler: the refresh must not run as part of (or outlive) its turn.
        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(k.Name);
            }
            catch (Exception exception)
            {
                LogRefreshFailed(logger, exception, k.Name);
                k.RefreshedAt = time.GetTimestamp();
            }
            finally
            {
                Volatile.Write(ref k.Refreshing, 0);
            }
        });
    }

    private sealed class Kind(string name)
    {
        public string Name { get; } = name;
        public volatile OccurrenceSnapshot Snapshot = new(0, []);
        public volatile NumberedCounts? Numbered;
        public long RefreshedAt;
        public int Refreshing;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Refreshing the {Kind} occurrence counts failed; the previous ones stay in use")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string kind);
}

/// <summary>Every item's count in an <see cref="OccurrenceSnapshot"/>, indexed by the item's <see cref="ItemIds"/> number.</summary>
public sealed class NumberedCounts
{
    private readonly long[] _counts;

    private NumberedCounts(OccurrenceSnapshot source, long[] counts)
    {
        Source = source;
        _counts = counts;
    }

    /// <summary>The snapshot the counts were taken from.</summary>
    public OccurrenceSnapshot Source { get; }

    /// <summary>The count of the item numbered <paramref name="number"/>; 0 for an item the snapshot does not hold.</summary>
    public long Of(int number) => (uint)number < (uint)_counts.Length ? _counts[number] : 0;

    public static NumberedCounts Of(OccurrenceSnapshot snapshot)
    {
        // Every name is numbered (a name the catalog does not hold gets its number now), so the array
        // answers for every number exactly what the snapshot answers for its name.
        var numbered = new (int Number, long Count)[snapshot.Counts.Count];
        var longest = 0;
        var i = 0;
        foreach (var (name, count) in snapshot.Counts)
        {
            numbered[i] = (ItemIds.Of(name), count);
            longest = Math.Max(longest, numbered[i++].Number + 1);
        }

        var counts = new long[longest];
        foreach (var (number, count) in numbered)
        {
            counts[number] = count;
        }

        return new NumberedCounts(snapshot, counts);
    }
}
