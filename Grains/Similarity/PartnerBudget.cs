namespace Encore.Similarity;

/// <summary>
/// How a co-occurrence bucket keeps its lists within its share of <see cref="SimilarityOptions.MaxPartners"/>:
/// past it, one capacity for all its lists, the largest that brings their total to three quarters of
/// the share. The longest lists (popular items, whose weakest partners say least) lose partners; lists
/// shorter than that capacity keep all theirs, and none is cut below <see cref="MinListCapacity"/>.
/// </summary>
public static class PartnerBudget
{
    /// <summary>No list is cut below this many partners: fewer would leave little to recommend from.</summary>
    public const int MinListCapacity = 64;

    /// <summary>A bucket's share of <paramref name="maxPartners"/>.</summary>
    public static long ShareOf(long maxPartners) => maxPartners / (2 * CoOccurrenceBuckets.Count);

    /// <summary>
    /// The largest capacity in [<see cref="MinListCapacity"/>, <paramref name="capacity"/>] at which lists
    /// of <paramref name="counts"/> partners, each cut to it, hold at most three quarters of
    /// <paramref name="share"/>; <see cref="MinListCapacity"/> when none does.
    /// </summary>
    public static int ListCapacity(IReadOnlyCollection<int> counts, long share, int capacity)
    {
        var target = share * 3 / 4;
        int low = MinListCapacity, high = capacity;
        if (TotalAt(counts, low) > target)
        {
            return MinListCapacity;
        }

        // The total only grows with the capacity: the largest that fits, by bisection.
        while (low < high)
        {
            var mid = low + (high - low + 1) / 2;
            if (TotalAt(counts, mid) <= target)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    private static long TotalAt(IReadOnlyCollection<int> counts, int capacity)
    {
        var total = 0L;
        foreach (var count in counts)
        {
            total += Math.Min(count, capacity);
        }

        return total;
    }
}
