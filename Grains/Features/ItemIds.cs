using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Encore.Features;

/// <summary>
/// A number for each item name (a catalog track id or artist name), the same for the life of the
/// process, so that the co-occurrence lists can hold partners as <c>int</c>s in arrays: tens of millions
/// of partners as strings in dictionaries were gigabytes of objects that every collection had to walk
/// (docs/performance.md). The numbers are never stored or sent; state keeps names.
/// </summary>
/// <remarks>
/// Only names that reach the co-occurrence lists get a number, and those are catalog items (a play of a
/// track outside the catalog gives no co-occurrence), so the table is bounded by the catalog. The silo
/// numbers the whole catalog when it loads it (<see cref="Preload"/>), into a frozen table that reads
/// fastest; a name not in it (a catalog changed since a list was stored) takes a lock, once.
/// </remarks>
public static class ItemIds
{
    private static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static volatile string[] _names = new string[4096];
    private static volatile FrozenDictionary<string, int> _preloaded = FrozenDictionary<string, int>.Empty;
    private static int _count;

    /// <summary>
    /// Which numbering this process's ids belong to: a number other processes do not share. A message
    /// may carry ids along with their names only with it, and a receiver in another process (another
    /// silo, or a build before this one) reads the names instead.
    /// </summary>
    public static long Numbering { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>The number of <paramref name="name"/>, given on first sight.</summary>
    public static int Of(string name)
    {
        if (TryOf(name, out var id))
        {
            return id;
        }

        lock (Gate)
        {
            if (Ids.TryGetValue(name, out id))
            {
                return id;
            }

            id = _count;
            var names = _names;
            if (id == names.Length)
            {
                Array.Resize(ref names, names.Length * 2);
            }

            // The name is in the array before its number is published, so a reader that found the number finds the name.
            names[id] = SharedStrings.Of(name);
            _names = names;
            _count = id + 1;
            Ids[names[id]] = id;
            return id;
        }
    }

    /// <summary>The number of <paramref name="name"/> if it has one; a read that must not number what it is asked about.</summary>
    public static bool TryOf(string name, out int id) => _preloaded.TryGetValue(name, out id) || Ids.TryGetValue(name, out id);

    /// <summary>
    /// Numbers <paramref name="names"/> ahead of use. Without it, every bucket applying its first batches
    /// took the lock for each new name at once, and waiting for it was a tenth of a loaded silo's time.
    /// </summary>
    public static void Preload(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            Of(name);
        }

        lock (Gate)
        {
            _preloaded = Ids.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }

    /// <summary>The name numbered <paramref name="id"/> (by <see cref="Of"/>).</summary>
    public static string NameOf(int id) => _names[id];
}
