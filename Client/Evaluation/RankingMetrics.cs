namespace Encore.Client.Evaluation;

/// <summary>
/// Ranking metrics for one list against one listener's relevant (held-out) set, with binary relevance.
/// An item repeated in the list counts once, at its first rank. Each throws <see cref="ArgumentException"/> for
/// an empty relevant set: a listener with nothing held out cannot be scored and must be skipped, not counted as a miss.
/// </summary>
public static class RankingMetrics
{
    /// <summary>1 if any of the top <paramref name="k"/> is relevant, else 0.</summary>
    public static double HitRate(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, int k) =>
        Hits(ranked, relevant, k).Any() ? 1 : 0;

    /// <summary>Relevant items in the top <paramref name="k"/> divided by the number of relevant items.</summary>
    public static double Recall(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, int k) =>
        (double)Hits(ranked, relevant, k).Count() / relevant.Count;

    /// <summary>
    /// Normalised discounted cumulative gain: DCG = Σ 1/log2(rank + 1) over the relevant items in the top
    /// <paramref name="k"/> (rank 1-based), divided by the DCG of a perfect list, which has min(k, |relevant|) hits.
    /// </summary>
    public static double Ndcg(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, int k)
    {
        var dcg = Hits(ranked, relevant, k).Sum(Discount);
        var ideal = 0.0;
        for (var rank = 1; rank <= Math.Min(k, relevant.Count); rank++)
        {
            ideal += Discount(rank);
        }

        return dcg / ideal;
    }

    private static double Discount(int rank) => 1 / Math.Log2(rank + 1);

    /// <summary>The 1-based ranks of the relevant items in the top k, each item once.</summary>
    private static IEnumerable<int> Hits(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (relevant.Count == 0)
        {
            throw new ArgumentException("The relevant set is empty; skip listeners with nothing held out.", nameof(relevant));
        }

        return Iterate();

        IEnumerable<int> Iterate()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < Math.Min(k, ranked.Count); i++)
            {
                if (relevant.Contains(ranked[i]) && seen.Add(ranked[i]))
                {
                    yield return i + 1;
                }
            }
        }
    }
}
