using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Encore.Features;

namespace Encore.Similarity;

/// <summary>
/// One item's side of the collaborative signal: how many times it entered a listener's recent history
/// (its occurrences) and the summed weight of each other item it shared such a history with, bounded to
/// a capacity. Weights are whole numbers (<see cref="CoOccurrenceWeights"/>), so sums are exact whatever
/// order partitions deliver in.
/// </summary>
[GenerateSerializer]
public sealed class CoOccurrences
{
    /// <summary>
    /// Partners kept per artist. A popular artist meets thousands; keeping 256 cost a tenth of the
    /// artist-level recall on the Million Playlist slices (docs/recommendations.md).
    /// </summary>
    public const int ArtistCapacity = 4096;

    /// <summary>Partners kept per track; tracks are many and each meets fewer.</summary>
    public const int TrackCapacity = 1024;

    [Id(0)] public long Occurrences { get; set; }
    [Id(1)] public Dictionary<string, long> Partners { get; set; } = new(StringComparer.Ordinal);

    public void AddOccurrence() => Occurrences++;

    /// <summary>
    /// Adds a co-occurrence; returns how many partners there are now. Past its capacity, the caller
    /// evicts the weakest (<see cref="EvictWeakest"/>), so that state stays bounded however many items a
    /// popular item meets. Kept apart from the eviction, whose lambda would otherwise be allocated on every call.
    /// </summary>
    public int AddPartner(string partner, int weight)
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrNullRef(Partners, partner);
        if (!Unsafe.IsNullRef(ref sum))
        {
            sum += weight;
            return Partners.Count;
        }

        // Every partner is a catalog track id or artist name: the thousands of lists that hold one
        // share one string instead of each keeping the copy its message brought.
        Partners.Add(SharedStrings.Of(partner), weight);
        return Partners.Count;
    }

    /// <summary>Evicts the weakest partners by <paramref name="strength"/> down to three quarters of <paramref name="capacity"/>.</summary>
    public void EvictWeakest(int capacity, Func<string, long, double> strength)
    {
        foreach (var weakest in Partners.OrderBy(p => strength(p.Key, p.Value)).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(Partners.Count - capacity * 3 / 4).Select(p => p.Key).ToList())
        {
            Partners.Remove(weakest);
        }
    }

    /// <summary>The strongest partners by shrunk cosine similarity, given every item's occurrences.</summary>
    public Neighbour[] Nearest(int count, Func<string, long> occurrencesOf) =>
        [.. Partners
            .Select(p => new Neighbour(p.Key, Similarity(p.Value, Occurrences, occurrencesOf(p.Key)), (double)p.Value / CoOccurrenceWeights.Full))
            .OrderByDescending(n => n.Similarity)
            .ThenBy(n => n.Id, StringComparer.Ordinal)
            .Take(count)];

    /// <summary>
    /// Cosine over the listener × item occurrence matrix, shrunk towards 0 for items seen rarely: two
    /// items each seen once together are not as alike as two seen together by a hundred listeners.
    /// A partner's count may be a few seconds old (the silo's snapshot); it is at least its co-occurrences.
    /// </summary>
    public static double Similarity(long weight, long occurrences, long partnerOccurrences)
    {
        var together = (double)weight / CoOccurrenceWeights.Full;
        var norm = Math.Sqrt(Math.Max(occurrences, together) * Math.Max(partnerOccurrences, together));
        return together / (norm + Shrinkage);
    }

    /// <summary>Pseudo-occurrences added to the norm (tuned on the Million Playlist slices, see docs/recommendations.md).</summary>
    public const double Shrinkage = 5.0;
}

/// <summary>Applying deltas to co-occurrences exactly once: shared by the artist and track grains.</summary>
public static class CoOccurrenceDeltas
{
    /// <summary>
    /// Applies the occurrences and hits above <paramref name="watermark"/>, the partition's applied
    /// offset (deltas of a partition arrive in offset order; entries at or below it are replays, dropped
    /// one by one). The caller moves the watermark. Returns how many entries changed the state.
    /// </summary>
    public static int Apply(
        this CoOccurrences items, long watermark, long[] occurrences, CoOccurrenceHit[] hits, int capacity, string kind, OccurrenceCache cache)
    {
        var applied = 0;
        foreach (var offset in occurrences)
        {
            if (offset > watermark)
            {
                items.AddOccurrence();
                applied++;
            }
        }

        foreach (var hit in hits)
        {
            if (hit.Offset > watermark)
            {
                if (items.AddPartner(hit.Other, hit.Weight) > capacity)
                {
                    EvictWeakest(items, capacity, kind, cache);
                }

                applied++;
            }
        }

        return applied;
    }

    /// <summary>
    /// Eviction keeps the partners most alike, not the most popular: raw weight over the partner's norm.
    /// Its own method, so that the lambda's closure is allocated only when a list overflows.
    /// </summary>
    private static void EvictWeakest(CoOccurrences items, int capacity, string kind, OccurrenceCache cache) =>
        items.EvictWeakest(capacity, (partner, weight) => weight / Math.Sqrt(cache.CountOf(kind, partner) + CoOccurrences.Shrinkage));
}

/// <summary>
/// A grain's ranked neighbour list, kept between requests: ranking a popular item's thousands of
/// partners costs more than the rest of a recommendation, and the ranking changes slowly. Recomputed
/// when the partners changed and the list is older than <see cref="MaxAge"/> (the partners' counts
/// come from a snapshot of that age anyway), and every half minute for the partners' counts alone.
/// </summary>
public sealed class NeighbourCache
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(3);

    private Neighbour[] _ranked = [];
    private long _rankedAt;
    private bool _changed = true;

    /// <summary>The partners changed: the next read past <see cref="MaxAge"/> ranks them again.</summary>
    public void Changed() => _changed = true;

    public Neighbour[] Nearest(CoOccurrences items, int count, Func<string, long> occurrencesOf)
    {
        var age = TimeProvider.System.GetElapsedTime(_rankedAt);
        var stale = (_changed && age > MaxAge) || age > 10 * MaxAge;
        if (stale || (_ranked.Length < count && _ranked.Length < items.Partners.Count))
        {
            _ranked = items.Nearest(Math.Max(count, Keep), occurrencesOf);
            _rankedAt = TimeProvider.System.GetTimestamp();
            _changed = false;
        }

        return _ranked.Length <= count ? _ranked : _ranked[..count];
    }

    /// <summary>How many neighbours are ranked and kept at least: what the recommender asks of an artist.</summary>
    private const int Keep = 300;
}
