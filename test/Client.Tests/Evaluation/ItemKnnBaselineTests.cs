using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class ItemKnnBaselineTests
{
    private const double Precision = 12;

    // Listeners: a {u1 u2}, b {u1 u2 u3}, c {u2 u3 u4}, d {u4}.
    // sim(a, b) = 2 / sqrt(2 x 3) = 0.8164965809277261   (u1, u2)
    // sim(a, c) = 1 / sqrt(2 x 3) = 0.4082482904638631   (u2)
    // sim(b, c) = 2 / sqrt(3 x 3) = 2/3                  (u2, u3)
    // sim(c, d) = 1 / sqrt(3 x 1) = 0.5773502691896258   (u4)
    // sim(a, d) = sim(b, d) = 0
    private readonly ItemKnnBaseline _baseline = new(TrainingData.Of(
        "u1: a b",
        "u2: a b c",
        "u3: b c",
        "u4: c d"));

    [Fact]
    public void SimilarityIsTheCosineOfListenerSets()
    {
        Assert.Equal(0.8164965809277261, _baseline.Similarity("a", "b"), Precision);
        Assert.Equal(0.4082482904638631, _baseline.Similarity("a", "c"), Precision);
        Assert.Equal(2.0 / 3, _baseline.Similarity("c", "b"), Precision);
        Assert.Equal(0.5773502691896258, _baseline.Similarity("d", "c"), Precision);
        Assert.Equal(0, _baseline.Similarity("a", "d"));
    }

    [Fact]
    public void ScoresSumTheSimilaritiesToTheListenersItems()
    {
        // u3 {b, c}: a = 0.8165 + 0.4082 = 1.2247; d = 0 + 0.5774.
        Assert.Equal(["a", "d"], _baseline.Recommend("u3", 10));
        // u4 {c, d}: b = 2/3 + 0 = 0.6667; a = 0.4082 + 0.
        Assert.Equal(["b", "a"], _baseline.Recommend("u4", 10));
    }

    [Fact]
    public void ItemsWithoutAnyScoreAreNotRanked()
    {
        // u1 {a, b}: c = 0.4082 + 2/3; d shares no listener with a or b.
        Assert.Equal(["c"], _baseline.Recommend("u1", 10));
        Assert.Empty(_baseline.Recommend("stranger", 10));
    }

    [Fact]
    public void EqualScoresAreOrderedById()
    {
        // sim(a, x) = sim(a, y) = 1 / sqrt(3 x 1) for u3, who only has a.
        var baseline = new ItemKnnBaseline(TrainingData.Of("u1: a y", "u2: a x", "u3: a"));

        Assert.Equal(["x", "y"], baseline.Recommend("u3", 10));
        Assert.Equal(["x"], baseline.Recommend("u3", 1));
    }
}
