using Encore.Features;

namespace Encore.Similarity;

/// <summary>
/// One item's side of the collaborative signal: how many times it entered a listener's recent history
/// (its occurrences) and the summed weight of each other item it shared such a history with, bounded to
/// a capacity. Weights are whole numbers (<see cref="CoOccurrenceWeights"/>), so sums are exact whatever
/// order partitions deliver in.
/// </summary>
/// <remarks>
/// Partners are held as <see cref="ItemIds"/> in a sorted <c>int</c> array beside their weights: no
/// object per partner and no reference for the collector to follow, 12 bytes a partner where a
/// dictionary of names took about 40. In a bucket, until its first cut to its budget, the arrays are a
/// block of its <see cref="PartnerSlab"/>, which takes back the block a list outgrows; from that cut on
/// they are the list's own. Stored and sent as names (<see cref="CoOccurrencesConverter"/>).
/// </remarks>
public sealed class CoOccurrences
{
    /// <summary>
    /// Partners kept per artist. A popular artist meets thousands; keeping 256 cost a tenth of the
    /// artist-level recall on the Million Playlist slices (docs/recommendations.md).
    /// </summary>
    public const int ArtistCapacity = 4096;

    /// <summary>Partners kept per track; tracks are many and each meets fewer.</summary>
    public const int TrackCapacity = 1024;

    /// <summary>The kinds that keep co-occurrences.</summary>
    public static readonly string[] Kinds = [ItemKinds.Artist, ItemKinds.Track];

    /// <summary>Partners a list of <paramref name="kind"/> keeps, while its bucket is within its budget.</summary>
    public static int CapacityOf(string kind) => kind == ItemKinds.Artist ? ArtistCapacity : TrackCapacity;

    /// <summary>New partners gathered unsorted at the end of the arrays before they are merged in.</summary>
    private const int UnsortedMax = 32;

    /// <summary>Unsorted partners a merge sorts on the stack (12 bytes each); more take arrays.</summary>
    private const int MaxMergeOnStack = 256;

    // Partners [0, _sorted) are sorted by id, [_sorted, PartnerCount) are the unsorted newest: inserting
    // each new partner in order would move half a 4 096-partner list every time.
    private PartnerBlock _block = PartnerBlock.Empty;
    private int _sorted;

    public long Occurrences { get; set; }

    /// <summary>Where the partners are now (for tests).</summary>
    internal PartnerBlock Block => _block;

    public int PartnerCount { get; private set; }

    /// <summary>
    /// The bucket's ranking of this list, kept between requests while it is fresh (never stored): a
    /// change finds it here, where looking it up by the item's name was about 3 % of a warm pass's
    /// samples (docs/performance.md).
    /// </summary>
    internal NeighbourCache? Ranking { get; set; }

    public void AddOccurrence() => Occurrences++;

    /// <summary>The partners and their summed weights, in no particular order.</summary>
    public IEnumerable<(string Partner, long Weight)> Partners()
    {
        for (var i = 0; i < PartnerCount; i++)
        {
            yield return (ItemIds.NameOf(NumberAt(i)), _block.Weights[_block.Offset + i]);
        }
    }

    // For iterators and lambdas, which cannot hold a span.
    private int NumberAt(int i) => _block.Numbers[_block.Offset + i];

    /// <summary>A list holding <paramref name="partners"/> (a list as stored); a name given twice has its weights summed.</summary>
    public static CoOccurrences Of(long occurrences, IReadOnlyCollection<(string Partner, long Weight)> partners)
    {
        var ids = new int[partners.Count];
        var weights = new long[partners.Count];
        var i = 0;
        foreach (var (partner, weight) in partners)
        {
            ids[i] = ItemIds.Of(partner);
            weights[i++] = weight;
        }

        // Sorted at once: added one by one, a stored 4 096-partner list would be merged in 128 times.
        Array.Sort(ids, weights);
        var count = 0;
        for (i = 0; i < ids.Length; i++)
        {
            if (count > 0 && ids[count - 1] == ids[i])
            {
                weights[count - 1] += weights[i];
                continue;
            }

            ids[count] = ids[i];
            weights[count++] = weights[i];
        }

        return new CoOccurrences { Occurrences = occurrences, _block = PartnerBlock.Own(ids, weights), PartnerCount = count, _sorted = count };
    }

    /// <summary>
    /// Adds a co-occurrence; returns how many partners there are now. Past its capacity, the caller
    /// evicts the weakest (<see cref="EvictWeakest"/>), so that state stays bounded however many items a
    /// popular item meets. The arrays grow to at most one past <paramref name="capacity"/>.
    /// </summary>
    public int AddPartner(string partner, long weight, int capacity) => AddPartner(ItemIds.Of(partner), weight, capacity);

    /// <summary>As <see cref="AddPartner(string, long, int)"/>, for a partner by its <see cref="ItemIds"/> number.</summary>
    /// <param name="slab">Where the list's arrays grow to (a block of its own when null).</param>
    public int AddPartner(int id, long weight, int capacity, PartnerSlab? slab = null)
    {
        // Spans, not Array.BinarySearch: that one goes through a comparer object, and was two thirds of
        // the search's time in a profile of the warm pass (docs/performance.md).
        var at = _block.NumberSpan[.._sorted].BinarySearch(id);
        if (at < 0)
        {
            at = FindUnsorted(id);
        }

        if (at >= 0)
        {
            _block.WeightSpan[at] += weight;
            return PartnerCount;
        }

        GrowToHold(PartnerCount + 1, capacity, slab);
        _block.NumberSpan[PartnerCount] = id;
        _block.WeightSpan[PartnerCount++] = weight;
        if (PartnerCount - _sorted == UnsortedMax)
        {
            MergeUnsorted();
        }

        return PartnerCount;
    }

    /// <summary>
    /// Adds a batch of co-occurrences at once, as <see cref="AddPartner(int, long, int, PartnerSlab)"/> would one by
    /// one, for a list that stays within its capacity with every one of them new. The partners are
    /// sorted and found in one pass over the sorted part, each search starting where the last one ended:
    /// a partner found by a binary search of its own was a few cache misses, and adding partners was the
    /// largest share of a warm pass (docs/performance.md).
    /// </summary>
    /// <param name="ids">The partners' <see cref="ItemIds"/> numbers, in any order, a partner any number of times; reordered.</param>
    /// <param name="weights">Each one's weight, beside it; reordered with the ids.</param>
    /// <param name="slab">Where the list's arrays grow to (a block of its own when null).</param>
    public void AddPartners(Span<int> ids, Span<long> weights, int capacity, PartnerSlab? slab = null)
    {
        if (PartnerCount + ids.Length > capacity)
        {
            throw new ArgumentException($"{ids.Length} partners could take a list of {PartnerCount} past its capacity {capacity}: add them one by one.", nameof(ids));
        }

        ids.Sort(weights);
        var listWeights = _block.WeightSpan;
        var added = 0;
        var from = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            var weight = weights[i];
            while (i + 1 < ids.Length && ids[i + 1] == id)
            {
                weight += weights[++i];
            }

            var at = FindSorted(id, ref from);
            if (at < 0)
            {
                at = FindUnsorted(id);
            }

            if (at >= 0)
            {
                listWeights[at] += weight;
                continue;
            }

            // Gathered at the front of the spans, which the loop has already read past.
            ids[added] = id;
            weights[added++] = weight;
        }

        if (added == 0)
        {
            return;
        }

        GrowToHold(PartnerCount + added, capacity, slab);
        ids[..added].CopyTo(_block.NumberSpan[PartnerCount..]);
        weights[..added].CopyTo(_block.WeightSpan[PartnerCount..]);
        PartnerCount += added;
        if (PartnerCount - _sorted >= UnsortedMax)
        {
            MergeUnsorted();
        }
    }

    /// <summary>
    /// Grows the arrays, doubling as <see cref="CappedGrowth"/> says, until they hold <paramref name="count"/>
    /// partners: once for a partner added alone, to the final length at once for a batch.
    /// </summary>
    private void GrowToHold(int count, int capacity, PartnerSlab? slab)
    {
        var length = _block.Length;
        while (length < count)
        {
            length = CappedGrowth.NextLength(length, PartnerCount, capacity);
        }

        if (length != _block.Length)
        {
            _block = _block.MovedTo(length, PartnerCount, slab);
        }
    }

    /// <summary>Where <paramref name="id"/> is among the unsorted newest partners (-1: not there).</summary>
    private int FindUnsorted(int id)
    {
        var at = _block.NumberSpan[_sorted..PartnerCount].IndexOf(id);
        return at < 0 ? -1 : _sorted + at;
    }

    /// <summary>
    /// Where <paramref name="id"/> is in the sorted part (-1: not there), searched from
    /// <paramref name="from"/>, which moves to where the search ended; ids asked for in ascending order.
    /// Gallops first, so that nearby partners cost a step or two.
    /// </summary>
    private int FindSorted(int id, ref int from)
    {
        var sorted = _block.NumberSpan[.._sorted];
        var low = from;
        var step = 1;
        var high = low;
        while (high < sorted.Length && sorted[high] < id)
        {
            low = high + 1;
            high += step;
            step *= 2;
        }

        high = Math.Min(high + 1, sorted.Length);
        var found = sorted[low..high].BinarySearch(id);
        from = found >= 0 ? low + found : low + ~found;
        return found >= 0 ? low + found : -1;
    }

    /// <summary>Sorts the newest partners and merges them into the sorted ones, from the back, in place.</summary>
    private void MergeUnsorted()
    {
        var count = PartnerCount - _sorted;
        // A batch may leave many more than UnsortedMax unsorted; the stack takes a few hundred.
        Span<int> ids = count <= MaxMergeOnStack ? stackalloc int[count] : new int[count];
        Span<long> weights = count <= MaxMergeOnStack ? stackalloc long[count] : new long[count];
        var listIds = _block.NumberSpan;
        var listWeights = _block.WeightSpan;
        listIds.Slice(_sorted, count).CopyTo(ids);
        listWeights.Slice(_sorted, count).CopyTo(weights);
        ids.Sort(weights);

        var sorted = _sorted - 1;
        var to = PartnerCount - 1;
        for (var next = count - 1; next >= 0; to--)
        {
            if (sorted >= 0 && listIds[sorted] > ids[next])
            {
                listIds[to] = listIds[sorted];
                listWeights[to] = listWeights[sorted--];
            }
            else
            {
                listIds[to] = ids[next];
                listWeights[to] = weights[next--];
            }
        }

        _sorted = PartnerCount;
    }

    /// <summary>Evicts the weakest partners by <paramref name="strength"/> down to three quarters of <paramref name="capacity"/>.</summary>
    public void EvictWeakest(int capacity, Func<int, long, double> strength) => KeepStrongest(capacity * 3 / 4, strength);

    /// <summary>
    /// Keeps at most the <paramref name="capacity"/> strongest partners by <paramref name="strength"/>, in
    /// arrays of the list's own no longer than one past that (they grow no further from then on): what
    /// a bucket over its budget does to each of its lists, as it gives up its slab.
    /// </summary>
    public void CutTo(int capacity, Func<int, long, double> strength)
    {
        KeepStrongest(capacity, strength);
        if (_block.Length > capacity + 1 || _block.Slab is not null)
        {
            _block = _block.MovedTo(Math.Min(_block.Length, capacity + 1), PartnerCount, slab: null);
        }
    }

    private void KeepStrongest(int keep, Func<int, long, double> strength)
    {
        if (PartnerCount <= keep)
        {
            return;
        }

        // Sorted all through, so that the kept positions below, put back in order, keep the ids sorted.
        MergeUnsorted();

        var kept = Ranked(strength).Order.AsSpan(0, keep);
        kept.Sort();
        var ids = _block.NumberSpan;
        var weights = _block.WeightSpan;
        for (var i = 0; i < keep; i++)
        {
            ids[i] = ids[kept[i]];
            weights[i] = weights[kept[i]];
        }

        PartnerCount = _sorted = keep;
    }

    /// <summary>The strongest partners by shrunk cosine similarity, given every item's occurrences by <see cref="ItemIds"/> number.</summary>
    public Neighbour[] Nearest(int count, Func<int, long> occurrencesOf)
    {
        var (order, similarities) = Ranked((partner, weight) => Similarity(weight, Occurrences, occurrencesOf(partner)));
        var nearest = new Neighbour[Math.Min(count, order.Length)];
        var ids = _block.NumberSpan;
        var weights = _block.WeightSpan;
        for (var i = 0; i < nearest.Length; i++)
        {
            var at = order[i];
            nearest[i] = new Neighbour(ItemIds.NameOf(ids[at]), similarities[i], (double)weights[at] / CoOccurrenceWeights.Full);
        }

        return nearest;
    }

    /// <summary>
    /// Positions of the partners, strongest first by <paramref name="strength"/> (of each partner's
    /// number and weight), ties by name, so that the order does not depend on the order partners came
    /// in; and the strength of each, in that order. A sort of positions by their strengths: no object
    /// per partner, and no comparison delegate but for the runs of equal strength.
    /// </summary>
    private (int[] Order, double[] Strengths) Ranked(Func<int, long, double> strength)
    {
        var order = new int[PartnerCount];
        var strongestFirst = new double[PartnerCount];
        var ids = _block.NumberSpan;
        var weights = _block.WeightSpan;
        for (var i = 0; i < PartnerCount; i++)
        {
            order[i] = i;
            strongestFirst[i] = -strength(ids[i], weights[i]);
        }

        strongestFirst.AsSpan().Sort(order.AsSpan());
        for (var run = 0; run < order.Length;)
        {
            var end = run + 1;
            while (end < order.Length && strongestFirst[end] == strongestFirst[run])
            {
                end++;
            }

            if (end - run > 1)
            {
                order.AsSpan(run, end - run).Sort((a, b) => string.CompareOrdinal(ItemIds.NameOf(NumberAt(a)), ItemIds.NameOf(NumberAt(b))));
            }

            run = end;
        }

        for (var i = 0; i < strongestFirst.Length; i++)
        {
            strongestFirst[i] = -strongestFirst[i];
        }

        return (order, strongestFirst);
    }

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

/// <summary>How <see cref="CoOccurrences"/> is stored and sent: its partners by name.</summary>
[GenerateSerializer]
public struct CoOccurrencesSurrogate
{
    [Id(0)] public long Occurrences;

    /// <summary>The form stored before partners were numbered; read, never written.</summary>
    [Id(1)] public Dictionary<string, long>? PartnerWeights;

    [Id(2)] public string[]? PartnerNames;
    [Id(3)] public long[]? Weights;
}

[RegisterConverter]
public sealed class CoOccurrencesConverter : IConverter<CoOccurrences, CoOccurrencesSurrogate>
{
    public CoOccurrences ConvertFromSurrogate(in CoOccurrencesSurrogate surrogate)
    {
        var names = surrogate.PartnerNames ?? [];
        var weights = surrogate.Weights ?? [];
        List<(string, long)> partners = [.. names.Select((name, i) => (name, weights[i]))];
        partners.AddRange((surrogate.PartnerWeights ?? []).Select(p => (p.Key, p.Value)));
        return CoOccurrences.Of(surrogate.Occurrences, partners);
    }

    public CoOccurrencesSurrogate ConvertToSurrogate(in CoOccurrences value)
    {
        var names = new string[value.PartnerCount];
        var weights = new long[value.PartnerCount];
        var i = 0;
        foreach (var (name, weight) in value.Partners())
        {
            names[i] = name;
            weights[i++] = weight;
        }

        return new CoOccurrencesSurrogate { Occurrences = value.Occurrences, PartnerNames = names, Weights = weights };
    }
}

/// <summary>Applying deltas to co-occurrences exactly once: shared by the artist and track grains.</summary>
public static class CoOccurrenceDeltas
{
    /// <summary>
    /// Applies the occurrences and hits above <paramref name="watermark"/>, the partition's applied
    /// offset (deltas of a partition arrive in offset order; entries at or below it are replays, dropped
    /// one by one). The caller moves the watermark. Returns how many entries changed the state.
    /// <paramref name="numbered"/>: the hits' ids are this process's (<see cref="CoOccurrenceDelta.ItemNumbering"/>).
    /// </summary>
    public static int Apply(
        this CoOccurrences items, long watermark, ReadOnlySpan<long> occurrences, ReadOnlySpan<CoOccurrenceHit> hits, bool numbered, int capacity, string kind, OccurrenceCache cache, PartnerSlab? slab = null)
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

        var fresh = 0;
        foreach (var hit in hits)
        {
            fresh += hit.Offset > watermark ? 1 : 0;
        }

        if (fresh == 0)
        {
            return applied;
        }

        if (items.PartnerCount + fresh <= capacity)
        {
            // Nothing can be evicted on the way: the whole batch at once, which finds the partners faster.
            Span<int> ids = fresh <= MaxBatchOnStack ? stackalloc int[fresh] : new int[fresh];
            Span<long> weights = fresh <= MaxBatchOnStack ? stackalloc long[fresh] : new long[fresh];
            var i = 0;
            foreach (var hit in hits)
            {
                if (hit.Offset > watermark)
                {
                    ids[i] = PartnerOf(hit, numbered);
                    weights[i++] = hit.Weight;
                }
            }

            items.AddPartners(ids, weights, capacity, slab);
            return applied + fresh;
        }

        foreach (var hit in hits)
        {
            if (hit.Offset > watermark)
            {
                if (items.AddPartner(PartnerOf(hit, numbered), hit.Weight, capacity, slab) > capacity)
                {
                    EvictWeakest(items, capacity, kind, cache);
                }

                applied++;
            }
        }

        return applied;
    }

    /// <summary>The hit's partner by <see cref="ItemIds"/> number: as sent when <paramref name="numbered"/> (this process's numbering), else by its name.</summary>
    private static int PartnerOf(CoOccurrenceHit hit, bool numbered) => numbered ? hit.OtherId : ItemIds.Of(hit.Other);

    /// <summary>Hits of one list added at once from spans on the stack (12 bytes each); a longer batch takes arrays.</summary>
    private const int MaxBatchOnStack = 512;

    /// <summary>Its own method, so that the lambda's closure is allocated only when a list overflows.</summary>
    private static void EvictWeakest(CoOccurrences items, int capacity, string kind, OccurrenceCache cache) =>
        items.EvictWeakest(capacity, StrengthOf(kind, cache));

    /// <summary>What eviction keeps: the partners most alike, not the most popular (raw weight over the partner's norm).</summary>
    public static Func<int, long, double> StrengthOf(string kind, OccurrenceCache cache)
    {
        var counts = cache.CountsByNumber(kind);
        return (partner, weight) => weight / Math.Sqrt(counts.Of(partner) + CoOccurrences.Shrinkage);
    }
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

    /// <summary>A ranking this old is made again at the next read whatever changed: kept longer, it only holds memory.</summary>
    public static readonly TimeSpan MaxStale = 10 * MaxAge;

    private Neighbour[] _ranked = [];
    private long _rankedAt;
    private bool _changed = true;

    /// <summary>The partners changed: the next read past <see cref="MaxAge"/> ranks them again.</summary>
    public void Changed() => _changed = true;

    public Neighbour[] Nearest(CoOccurrences items, int count, Func<int, long> occurrencesOf)
    {
        var age = TimeProvider.System.GetElapsedTime(_rankedAt);
        var stale = (_changed && age > MaxAge) || age > MaxStale;
        if (stale || (_ranked.Length < count && _ranked.Length < items.PartnerCount))
        {
            _ranked = items.Nearest(Math.Max(count, Keep), occurrencesOf);
            _rankedAt = TimeProvider.System.GetTimestamp();
            _changed = false;
        }

        return _ranked.Length <= count ? _ranked : _ranked[..count];
    }

    /// <summary>Whether the ranking is older than <see cref="MaxStale"/> at <paramref name="timestamp"/> (a <see cref="TimeProvider.System"/> timestamp).</summary>
    public bool IsStaleAt(long timestamp) => TimeProvider.System.GetElapsedTime(_rankedAt, timestamp) > MaxStale;

    /// <summary>How many neighbours are ranked and kept at least: what the recommender asks of an artist.</summary>
    private const int Keep = 300;
}
