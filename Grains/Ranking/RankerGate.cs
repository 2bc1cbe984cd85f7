using Encore.Catalog;
using Encore.Recommendations;

namespace Encore.Ranking;

/// <summary>Recall@K and NDCG@K of one method over held-out groups (means over the groups with something relevant).</summary>
public readonly record struct RankingQuality(double Recall, double Ndcg, int Groups);

/// <summary>
/// Decides whether a new model is published: on held-out listeners, the full recommender pipeline
/// (scores, then the artist discount) with each scorer, top <see cref="K"/> against what the listener
/// played after the cut-off.
/// </summary>
public static class RankerGate
{
    public const int K = 20;

    /// <summary>Quality of ranking each group's candidates by <paramref name="scores"/> (one per candidate, 0..1).</summary>
    public static RankingQuality Evaluate(IReadOnlyList<TrainingGroup> groups, Func<TrainingGroup, double[]> scores, TrackCatalog catalog)
    {
        double recall = 0, ndcg = 0;
        var counted = 0;
        foreach (var group in groups)
        {
            if (group.Relevant.Count == 0)
            {
                continue;
            }

            var s = scores(group);
            var candidates = new List<Candidate>(group.TrackIds.Length);
            var byCandidate = new Dictionary<Candidate, double>(group.TrackIds.Length);
            for (var i = 0; i < group.TrackIds.Length; i++)
            {
                var index = catalog.IndexOf(group.TrackIds[i]);
                if (index >= 0)
                {
                    var candidate = new Candidate(index);
                    candidates.Add(candidate);
                    byCandidate[candidate] = s[i];
                }
            }

            var top = HeuristicRanker.Rank(candidates, catalog, K, c => byCandidate[c]);
            double hits = 0, dcg = 0;
            for (var rank = 0; rank < top.Count; rank++)
            {
                if (group.Relevant.Contains(catalog.Tracks[top[rank].Candidate.TrackIndex].TrackId))
                {
                    hits++;
                    dcg += 1 / Math.Log2(rank + 2);
                }
            }

            var ideal = Enumerable.Range(0, Math.Min(K, group.Relevant.Count)).Sum(r => 1 / Math.Log2(r + 2));
            recall += hits / group.Relevant.Count;
            ndcg += dcg / ideal;
            counted++;
        }

        return counted == 0 ? new(0, 0, 0) : new(recall / counted, ndcg / counted, counted);
    }

    /// <summary>
    /// The share of each held-out group's relevant tracks that are among its candidates at all, averaged
    /// over the groups with something relevant: the Recall no scorer of these candidates can pass.
    /// </summary>
    public static double CandidateRecall(IReadOnlyList<TrainingGroup> groups)
    {
        var counted = groups.Where(g => g.Relevant.Count > 0).ToArray();
        return counted.Length == 0 ? 0 : counted.Average(g => (double)g.TrackIds.Count(g.Relevant.Contains) / g.Relevant.Count);
    }

    /// <summary>
    /// Publish when the new model's NDCG@K beats the best of the others (the active model, when there is
    /// one, and the heuristic) by <paramref name="minImprovement"/> relative, and its Recall@K is no lower.
    /// </summary>
    public static bool ShouldPublish(RankingQuality candidate, IEnumerable<RankingQuality> others, double minImprovement)
    {
        var rivals = others.ToArray();
        var bestNdcg = rivals.Max(r => r.Ndcg);
        var bestRecall = rivals.Max(r => r.Recall);
        return candidate.Groups > 0 && candidate.Ndcg >= bestNdcg * (1 + minImprovement) && candidate.Ndcg > 0 && candidate.Recall >= bestRecall;
    }
}
