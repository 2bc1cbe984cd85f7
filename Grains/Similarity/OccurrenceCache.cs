using System.Collections.Concurrent;
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

    /// <summary>Refreshes now; for tests and for the first request after start.</summary>
    public async Task RefreshAsync(string kind)
    {
        var k = KindOf(kind);
        var snapshot = await grainFactory.GetGrain<IOccurrenceCountsGrain>(kind).GetSnapshotAsync(k.Snapshot.Version);
        if (snapshot is not null)
        {
            k.Snapshot = snapshot;
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
        public long RefreshedAt;
        public int Refreshing;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Refreshing the {Kind} occurrence counts failed; the previous ones stay in use")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string kind);
}
