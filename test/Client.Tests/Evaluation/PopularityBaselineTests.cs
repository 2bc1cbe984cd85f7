using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class PopularityBaselineTests
{
    // Distinct listeners: c 3 (u1 u2 u3); a 2 (u2 u5); b 2 (u1 u3); d 2 (u4 u5). Counting plays instead would
    // put a (4) first and d (3) level with c.
    private readonly PopularityBaseline _baseline = new(TrainingData.Of(
        "u1: b c",
        "u2: c a",
        "u3: c b",
        "u4: d",
        "u5: a a a d d"));

    [Fact]
    public void ItemsRankByDistinctListenersThenById() =>
        Assert.Equal(["c", "a", "b", "d"], _baseline.Recommend("stranger", 10));

    [Fact]
    public void TrainingItemsAreExcluded()
    {
        Assert.Equal(["a", "d"], _baseline.Recommend("u1", 10));
        Assert.Equal(["c", "a", "b"], _baseline.Recommend("u4", 10));
    }

    [Fact]
    public void TheListStopsAtCount()
    {
        Assert.Equal(["c", "b"], _baseline.Recommend("u5", 2));
        Assert.Empty(_baseline.Recommend("u5", 0));
    }
}
