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
    private const int Capacity = 1000;

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
            var cutoff = clock.GetUtcNow() - PlayWindows.Day;
            foreach (var weakest in _entries.Values
                .OrderBy(e => e.AsOf > cutoff)
                .ThenBy(e => e.WindowPlays)
                .Take(_entries.Count - Capacity * 3 / 4)
                .Select(e => e.TrackId)
                .ToList())
            {
                _entries.Remove(weakest);
            }
        }

        return Task.CompletedTask;
    }

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
