namespace Encore.Client.Evaluation;

/// <summary>Accumulates the per-listener lists of one method at one level, and produces its summary row.</summary>
/// <remarks>Not thread-safe: add from one thread, or lock around <see cref="Add"/>.</remarks>
public sealed class MetricsAccumulator
{
    private readonly string _method;
    private readonly EvaluationLevel _level;
    private readonly int[] _ks;
    private readonly int _universeSize;
    private readonly Sums[] _sums;
    private int _listeners;

    /// <param name="method">The method's name in the report.</param>
    /// <param name="level">The level the lists are at.</param>
    /// <param name="ks">The list lengths to report, each at least 1.</param>
    /// <param name="universeSize">Distinct items at this level in the training data: the denominator of coverage.</param>
    public MetricsAccumulator(string method, EvaluationLevel level, IReadOnlyList<int> ks, int universeSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(ks);
        ArgumentOutOfRangeException.ThrowIfNegative(universeSize);
        if (ks.Count == 0 || ks.Any(k => k < 1) || ks.Distinct().Count() != ks.Count)
        {
            throw new ArgumentException("Give one or more distinct list lengths, each at least 1.", nameof(ks));
        }

        _method = method;
        _level = level;
        _ks = [.. ks];
        _universeSize = universeSize;
        _sums = _ks.Select(_ => new Sums()).ToArray();
    }

    /// <summary>Adds one listener's list.</summary>
    /// <param name="ranked">The list, best first; it must already exclude the listener's training items (the caller filters).</param>
    /// <param name="relevant">The listener's held-out items, not empty (skip listeners with none).</param>
    /// <param name="artistOf">An item's artist, for the distinct-artists figure; at artist level the item itself.</param>
    public void Add(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, Func<string, string> artistOf)
    {
        ArgumentNullException.ThrowIfNull(artistOf);
        for (var i = 0; i < _ks.Length; i++)
        {
            var k = _ks[i];
            var sums = _sums[i];
            sums.HitRate += RankingMetrics.HitRate(ranked, relevant, k);
            sums.Recall += RankingMetrics.Recall(ranked, relevant, k);
            sums.Ndcg += RankingMetrics.Ndcg(ranked, relevant, k);
            var top = ranked.Take(k).ToArray();
            sums.Recommended.UnionWith(top);
            sums.DistinctArtists += top.Select(artistOf).Distinct(StringComparer.Ordinal).Count();
        }

        _listeners++;
    }

    /// <summary>
    /// The means over the listeners added so far, one row per k in the order given; all zero when no listener
    /// was added. Coverage counts every distinct item in anyone's top k, including items outside the training
    /// universe, so a recommender that suggests unplayed catalogue tracks can exceed 1.
    /// </summary>
    public MethodResult Result()
    {
        var atK = new MetricsAtK[_ks.Length];
        for (var i = 0; i < _ks.Length; i++)
        {
            var sums = _sums[i];
            atK[i] = new MetricsAtK(
                _ks[i],
                Mean(sums.HitRate),
                Mean(sums.Recall),
                Mean(sums.Ndcg),
                _universeSize == 0 ? 0 : (double)sums.Recommended.Count / _universeSize,
                Mean(sums.DistinctArtists));
        }

        return new MethodResult(_method, _level, _listeners, atK);
    }

    private double Mean(double sum) => _listeners == 0 ? 0 : sum / _listeners;

    private sealed class Sums
    {
        public double HitRate;
        public double Recall;
        public double Ndcg;
        public double DistinctArtists;
        public readonly HashSet<string> Recommended = new(StringComparer.Ordinal);
    }
}

/// <summary>One method's summary at one level.</summary>
/// <param name="Method">The method's name ("popularity", "item-knn", "ease", or the live recommender's).</param>
/// <param name="Level">The level items were compared at.</param>
/// <param name="Listeners">How many listeners were scored.</param>
/// <param name="AtK">The figures per list length, in the order the lengths were given.</param>
public sealed record MethodResult(string Method, EvaluationLevel Level, int Listeners, IReadOnlyList<MetricsAtK> AtK);

/// <summary>The figures of one method at one list length: means over listeners, except coverage.</summary>
/// <param name="K">The list length.</param>
/// <param name="HitRate">Share of listeners with at least one relevant item in their top k.</param>
/// <param name="Recall">Mean share of a listener's relevant items found in their top k.</param>
/// <param name="Ndcg">Mean NDCG@k with binary gains.</param>
/// <param name="Coverage">Distinct items recommended in anyone's top k, divided by the universe size.</param>
/// <param name="DistinctArtists">Mean number of distinct artists in a top-k list.</param>
public sealed record MetricsAtK(int K, double HitRate, double Recall, double Ndcg, double Coverage, double DistinctArtists);
