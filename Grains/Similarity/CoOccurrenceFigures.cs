namespace Encore.Similarity;

/// <summary>
/// The co-occurrence buckets active on this silo as their budget sees them: the partners each holds
/// and the capacity of its lists, for <c>encore.similarity.*</c> (<see cref="Stats.EncoreTelemetry"/>).
/// A bucket registers when it activates, updates its own figures after each apply, and leaves when it
/// deactivates.
/// </summary>
public sealed class CoOccurrenceFigures
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public Bucket Register(string key, string kind)
    {
        var bucket = new Bucket(kind);
        lock (_lock)
        {
            _buckets[key] = bucket;
        }

        return bucket;
    }

    public void Remove(string key, Bucket bucket)
    {
        lock (_lock)
        {
            // Only this activation's figures: a newer one may have registered under the same key.
            if (_buckets.TryGetValue(key, out var current) && current == bucket)
            {
                _buckets.Remove(key);
            }
        }
    }

    /// <summary>Per kind: the partners of this silo's buckets, and the smallest capacity of their lists (the kind's own when none is active or cut).</summary>
    public IReadOnlyList<(string Kind, long Partners, int Capacity)> ByKind()
    {
        Bucket[] buckets;
        lock (_lock)
        {
            buckets = [.. _buckets.Values];
        }

        return [.. CoOccurrences.Kinds.Select(kind =>
        {
            var ofKind = buckets.Where(b => b.Kind == kind).ToArray();
            return (kind, ofKind.Sum(b => b.Partners), ofKind.Select(b => b.Capacity).DefaultIfEmpty(CoOccurrences.CapacityOf(kind)).Min());
        })];
    }

    /// <summary>One bucket's figures, written by its activation only.</summary>
    public sealed class Bucket(string kind)
    {
        private long _partners;
        private int _capacity;

        public string Kind { get; } = kind;

        public long Partners => Volatile.Read(ref _partners);

        public int Capacity => Volatile.Read(ref _capacity);

        public void Set(long partners, int capacity)
        {
            Volatile.Write(ref _partners, partners);
            Volatile.Write(ref _capacity, capacity);
        }
    }
}
