namespace Encore.Features;

/// <summary>How the bounded lists of the feature state grow: their arrays double, as far as one past their capacity.</summary>
public static class CappedGrowth
{
    /// <summary>
    /// The new length of a full array of <paramref name="length"/> holding <paramref name="count"/> items,
    /// for a list of <paramref name="capacity"/>: twice as long (4 at least), but never more than one past
    /// the capacity. The one past it holds the item added before the list evicts its weakest, so that the
    /// new item is ranked with the others.
    /// </summary>
    public static int NextLength(int length, int count, int capacity) =>
        Math.Clamp(length * 2, 4, Math.Max(capacity + 1, count + 1));
}
