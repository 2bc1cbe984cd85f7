using System.Collections.Concurrent;

namespace Encore.Features;

/// <summary>
/// A number for each item name (a catalog track id or artist name), the same for the life of the
/// process, so that the co-occurrence lists can hold partners as <c>int</c>s in arrays: tens of millions
/// of partners as strings in dictionaries were gigabytes of objects that every collection had to walk
/// (docs/performance.md). The numbers are never stored or sent; state keeps names.
/// </summary>
/// <remarks>
/// Only names that reach the co-occurrence lists get a number, and those are catalog items (a play of a
/// track outside the catalog gives no co-occurrence), so the table is bounded by the catalog. Reads take
/// no lock; a new name takes one, once.
/// </remarks>
public static class ItemIds
{
    private static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static volatile string[] _names = new string[4096];
    private static int _count;

    /// <summary>The number of <paramref name="name"/>, given on first sight.</summary>
    public static int Of(string name)
    {
        if (Ids.TryGetValue(name, out var id))
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

    /// <summary>The name numbered <paramref name="id"/> (by <see cref="Of"/>).</summary>
    public static string NameOf(int id) => _names[id];
}
