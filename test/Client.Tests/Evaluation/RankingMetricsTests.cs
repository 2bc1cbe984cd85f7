using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    private const double Precision = 12;

    // 1/log2(3), the discount at rank 2.
    private const double Rank2 = 0.6309297535714575;

    [Fact]
    public void AHitAtRankTwoOfTwoRelevantItems()
    {
        string[] ranked = ["a", "c", "b"];
        var relevant = Set("c", "d");

        Assert.Equal(0, RankingMetrics.HitRate(ranked, relevant, 1));
        Assert.Equal(1, RankingMetrics.HitRate(ranked, relevant, 2));
        Assert.Equal(0.5, RankingMetrics.Recall(ranked, relevant, 3));
        // DCG = 1/log2(3); IDCG = 1 + 1/log2(3) (two relevant items fit in the top 3).
        Assert.Equal(Rank2 / (1 + Rank2), RankingMetrics.Ndcg(ranked, relevant, 3), Precision);
        // IDCG@1 = 1 and nothing relevant at rank 1.
        Assert.Equal(0, RankingMetrics.Ndcg(ranked, relevant, 1));
    }

    [Fact]
    public void TheIdealListIsCutAtK()
    {
        string[] ranked = ["a", "b"];
        var relevant = Set("a", "b", "c", "d");

        // Two hits at ranks 1 and 2 are a perfect top 2, however many items are relevant.
        Assert.Equal(1, RankingMetrics.Ndcg(ranked, relevant, 2), Precision);
        Assert.Equal(0.5, RankingMetrics.Recall(ranked, relevant, 2));
    }

    [Fact]
    public void ARepeatedItemCountsOnce()
    {
        string[] ranked = ["a", "a", "b"];
        var relevant = Set("a", "z");

        Assert.Equal(0.5, RankingMetrics.Recall(ranked, relevant, 3));
        Assert.Equal(1 / (1 + Rank2), RankingMetrics.Ndcg(ranked, relevant, 3), Precision);
    }

    [Fact]
    public void AListShorterThanKIsScoredOnWhatItHas()
    {
        Assert.Equal(1, RankingMetrics.HitRate(["x", "a"], Set("a"), 10));
        Assert.Equal(Rank2, RankingMetrics.Ndcg(["x", "a"], Set("a"), 10), Precision);
        Assert.Equal(0, RankingMetrics.Recall([], Set("a"), 10));
    }

    [Fact]
    public void AnEmptyRelevantSetIsRefused() =>
        Assert.Throws<ArgumentException>(() => RankingMetrics.Recall(["a"], Set(), 1));

    internal static HashSet<string> Set(params string[] items) => new(items, StringComparer.Ordinal);
}
