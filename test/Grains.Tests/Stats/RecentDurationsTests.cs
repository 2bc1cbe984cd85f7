using Encore.Stats;
using Microsoft.Extensions.Time.Testing;

namespace Encore.Grains.Tests.Stats;

public sealed class RecentDurationsTests
{
    [Fact]
    public void PercentilesAreNearestRankOverTheWindow()
    {
        var clock = new FakeTimeProvider();
        var recent = new RecentDurations(clock);
        foreach (var ms in Enumerable.Range(1, 100).Reverse())
        {
            recent.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal(new LatencySummary(10, 100, 50, 90, 99, 100), recent.Summarize());

        // Ten seconds later they are still in the window; a moment after, they are gone.
        clock.Advance(RecentDurations.Window);
        Assert.Equal(100, recent.Summarize().Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        recent.Record(TimeSpan.FromMilliseconds(7));
        Assert.Equal(new LatencySummary(10, 1, 7, 7, 7, 7), recent.Summarize());
    }

    [Fact]
    public void NothingRecordedIsAllZeros() =>
        Assert.Equal(new LatencySummary(10, 0, 0, 0, 0, 0), new RecentDurations(new FakeTimeProvider()).Summarize());

    [Fact]
    public void OnlyTheNewestAreKept()
    {
        var recent = new RecentDurations(new FakeTimeProvider());
        for (var i = 0; i < RecentDurations.Capacity + 100; i++)
        {
            recent.Record(TimeSpan.FromMilliseconds(i < 100 ? 1_000 : 1));
        }

        Assert.Equal(new LatencySummary(10, RecentDurations.Capacity, 1, 1, 1, 1), recent.Summarize());
    }
}
