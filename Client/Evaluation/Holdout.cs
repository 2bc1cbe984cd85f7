namespace Encore.Client.Evaluation;

/// <summary>The time-ordered train/test split every listener goes through before evaluation.</summary>
public static class Holdout
{
    /// <summary>
    /// Splits a time-ordered sequence: the last <paramref name="fraction"/> of it (rounded to nearest, halves
    /// away from zero, at least 1) is the test part, the rest the training part (at least 1).
    /// </summary>
    /// <param name="items">The listener's items, oldest first.</param>
    /// <param name="fraction">The share held out for testing, strictly between 0 and 1.</param>
    /// <returns>The two parts, or null when there are fewer than 2 items (nothing to learn from or nothing to test).</returns>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Test)? Split<T>(IReadOnlyList<T> items, double fraction)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The holdout fraction must be strictly between 0 and 1.");
        }

        if (items.Count < 2)
        {
            return null;
        }

        var test = Math.Clamp((int)Math.Round(items.Count * fraction, MidpointRounding.AwayFromZero), 1, items.Count - 1);
        var trainCount = items.Count - test;
        return (Slice(items, 0, trainCount), Slice(items, trainCount, test));
    }

    private static T[] Slice<T>(IReadOnlyList<T> items, int start, int count)
    {
        var slice = new T[count];
        for (var i = 0; i < count; i++)
        {
            slice[i] = items[start + i];
        }

        return slice;
    }
}
