using System.Runtime.InteropServices;
using Encore.Features;
using Encore.Tracks;
using Microsoft.Extensions.DependencyInjection;

namespace Encore.Trending;

/// <remarks>
/// Kept in memory only: every entry is a snapshot the next plays of that track rebuild, so after a
/// restart trending refills with traffic instead of replaying history. A track's figure is its 24 h
/// count as of its latest play; a track not played for a whole window drops out.
/// </remarks>
internal sealed class TrendingGrain([FromKeyedServices(Clocks.Windows)] TimeProvider clock) : Grain, ITrendingGrain
{
    /// <summary>Entries kept at most; past it the weakest are dropped down to three quarters of it.</summary>
    public const int Capacity = 1000;

    private readonly Dictionary<string, TrendingEntry> _entries = new(StringComparer.Ordinal);

    public Task UpdateAsync(TrendingEntry[] entries)
    {
        foreach (var entry in entries)
        {
            // One lookup per entry: every partition sends every track it played.
            ref var known = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, entry.TrackId, out _);
            if (known is null || entry.Version >= known.Version)
            {
                known = entry;
            }
        }

        if (_entries.Count > Capacity)
        {
            DropWeakest(_entries.Count - Capacity * 3 / 4);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Drops the <paramref name="count"/> weakest entries: those not played in the last day first, then
    /// the fewest plays; of equal ones, the first listed. Each entry's strength is one number and only
    /// those are sorted, not the entries by two keys: the all-tracks grain drops entries on nearly every
    /// update, as each partition's flush brings it hundreds of tracks it does not hold.
    /// </summary>
    private void DropWeakest(int count)
    {
        var cutoff = clock.GetUtcNow() - PlayWindows.Day;
        var strengths = new long[_entries.Count];
        var i = 0;
        foreach (var entry in _entries.Values)
        {
            strengths[i++] = StrengthOf(entry, cutoff);
        }

        Array.Sort(strengths);
        var threshold = strengths[count - 1];
        var equalToDrop = count - Array.IndexOf(strengths, threshold);
        var dropped = new List<string>(count);
        foreach (var entry in _entries.Values)
        {
            var strength = StrengthOf(entry, cutoff);
            if (strength < threshold)
            {
                dropped.Add(entry.TrackId);
            }
            else if (strength == threshold && equalToDrop > 0)
            {
                equalToDrop--;
                dropped.Add(entry.TrackId);
            }
        }

        foreach (var trackId in dropped)
        {
            _entries.Remove(trackId);
        }
    }

    /// <summary>Played in the last day above all, then by plays in the window.</summary>
    private static long StrengthOf(TrendingEntry entry, DateTimeOffset cutoff) =>
        (entry.AsOf > cutoff ? 1L << 62 : 0) | Math.Clamp(entry.WindowPlays, 0, (1L << 62) - 1);

    public Task<TrendingItem[]> GetTopAsync(int count)
    {
        var cutoff = clock.GetUtcNow() - PlayWindows.Day;
        return Task.FromResult<TrendingItem[]>([.. _entries.Values
            .Where(e => e.AsOf > cutoff && e.WindowPlays > 0)
            .OrderByDescending(e => e.WindowPlays)
            .ThenByDescending(e => e.AsOf)
            .ThenBy(e => e.TrackId, StringComparer.Ordinal)
            .Take(count)
            .Select(e => new TrendingItem(e.TrackId, e.WindowPlays, e.AsOf))]);
    }
}
