using Encore.Features;

namespace Encore.Grains.Tests.Features;

public sealed class HyperLogLogTests
{
    [Fact]
    public void SmallCountsAreExact()
    {
        var sketch = new HyperLogLog();
        foreach (var user in new[] { "a", "b", "c", "a", "b", "a" })
        {
            sketch.Add(KeyHash.Of(user));
        }

        Assert.Equal(3, sketch.Estimate());
    }

    [Fact]
    public void CountsAreExactUpToSixtyFourAndCloseRightAfter()
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < 64; i++)
        {
            sketch.Add(KeyHash.Of($"listener-{i}"));
            sketch.Add(KeyHash.Of($"listener-{i}"));
        }

        Assert.Equal(64, sketch.Estimate());
        sketch.Add(KeyHash.Of("listener-64"));
        Assert.InRange(sketch.Estimate(), 62, 68);
    }

    [Fact]
    public void LargeCountsAreWithinFivePercent()
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < 50_000; i++)
        {
            sketch.Add(KeyHash.Of($"user-{i % 20_000}"));
        }

        Assert.InRange(sketch.Estimate(), 19_000, 21_000);
    }
}
