using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class HoldoutTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void FewerThanTwoItemsCannotBeSplit(int count) =>
        Assert.Null(Holdout.Split(Enumerable.Range(1, count).ToArray(), 0.2));

    [Theory]
    [InlineData(0.2)] // 2 x 0.2 = 0.4 rounds to 0, raised to the minimum of 1
    [InlineData(0.9)] // 2 x 0.9 = 1.8 rounds to 2, lowered so that 1 item still trains
    public void TwoItemsSplitOneAndOne(double fraction)
    {
        var (train, test) = Holdout.Split([1, 2], fraction)!.Value;

        Assert.Equal([1], train);
        Assert.Equal([2], test);
    }

    [Theory]
    [InlineData(5, 0.2, 1)]  // 5 x 0.2 = 1
    [InlineData(5, 0.3, 2)]  // 5 x 0.3 = 1.5, halves round away from zero
    [InlineData(7, 0.2, 1)]  // 7 x 0.2 = 1.4
    [InlineData(8, 0.2, 2)]  // 8 x 0.2 = 1.6
    [InlineData(10, 0.25, 3)] // 10 x 0.25 = 2.5
    public void TheLastFractionRoundedToNearestIsTheTestPart(int count, double fraction, int testCount)
    {
        var items = Enumerable.Range(1, count).ToArray();

        var (train, test) = Holdout.Split(items, fraction)!.Value;

        Assert.Equal(items[..^testCount], train);
        Assert.Equal(items[^testCount..], test);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void FractionsOutsideZeroToOneAreRejected(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Holdout.Split([1, 2, 3], fraction));
}
