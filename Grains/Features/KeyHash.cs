namespace Encore.Features;

/// <summary>
/// A 64-bit hash of a string that is the same in every process and every run (string.GetHashCode is
/// randomized per process): FNV-1a over the UTF-16 code units, finished with a SplitMix64 mix so that
/// every bit is usable by the unique-listener sketch.
/// </summary>
public static class KeyHash
{
    public static ulong Of(string value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        hash ^= hash >> 30;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 27;
        hash *= 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return hash;
    }

    /// <summary>Which of <paramref name="buckets"/> a key falls in.</summary>
    public static int Bucket(string value, int buckets) => (int)(Of(value) % (ulong)buckets);
}
