using System.Collections.Concurrent;

namespace Encore.Features;

/// <summary>
/// One instance of each item name (a track id, an artist name) for the thousands of lists that hold
/// it, instead of the copy each message brought. Not <see cref="string.Intern"/>: the runtime's intern
/// table takes a process-wide lock, and with every co-occurrence bucket applying at once that lock was
/// the largest single cost of a loaded silo (docs/performance.md). Reads here take no lock.
/// </summary>
public static class SharedStrings
{
    /// <summary>
    /// Names kept at most. Items are catalog tracks and artists (about 120 000 for the Kaggle catalog);
    /// past this, names are no longer shared, so that ids nobody else uses cannot grow it for ever.
    /// </summary>
    public const int Capacity = 1_000_000;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    // Counted here: ConcurrentDictionary.Count takes every one of its locks.
    private static int _count;

    public static string Of(string value)
    {
        if (Pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref _count) >= Capacity)
        {
            return value;
        }

        shared = Pool.GetOrAdd(value, value);
        if (ReferenceEquals(shared, value))
        {
            Interlocked.Increment(ref _count);
        }

        return shared;
    }
}
