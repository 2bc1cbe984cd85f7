using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class TopItemsTests
{
    private static readonly string[] Ids = ["a", "b", "c", "d"];

    [Fact]
    public void AnEqualScoreWithALowerIdEvictsTheKeptItem()
    {
        var top = new TopItems(2);
        top.Offer(3, 1.0);
        top.Offer(2, 5.0);
        top.Offer(1, 1.0);
        top.Offer(0, -1.0);

        Assert.Equal(["c", "b"], top.ToIds(Ids));
    }

    [Fact]
    public void FewerOffersThanCountAreAllKeptBestFirst()
    {
        var top = new TopItems(10);
        top.Offer(0, 0.5);
        top.Offer(3, 2.0);

        Assert.Equal(["d", "a"], top.ToIds(Ids));
    }
}
