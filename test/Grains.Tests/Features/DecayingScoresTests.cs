using Encore.Features;

namespace Encore.Grains.Tests.Features;

public sealed class DecayingScoresTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(1);

    [Fact]
    public void ScoresHalveEveryHalfLifeOfEventTime()
    {
        var scores = new DecayingScores();
        scores.Add("rock", 1, T0, HalfLife, 10);
        scores.Add("jazz", 1, T0.AddDays(2), HalfLife, 10);

        Assert.Equal(0.25, scores.Get("rock"), 9);
        Assert.Equal(1.0, scores.Get("jazz"), 9);
    }

    [Fact]
    public void ALateEventAddsTheSameAsIfItHadComeInOrder()
    {
        var inOrder = new DecayingScores();
        inOrder.Add("rock", 1, T0, HalfLife, 10);
        inOrder.Add("jazz", 1, T0.AddDays(1), HalfLife, 10);

        var late = new DecayingScores();
        late.Add("jazz", 1, T0.AddDays(1), HalfLife, 10);
        late.Add("rock", 1, T0, HalfLife, 10);

        Assert.Equal(inOrder.Get("rock"), late.Get("rock"), 12);
        Assert.Equal(inOrder.Get("jazz"), late.Get("jazz"), 12);
    }

    [Fact]
    public void TheWeakestQuarterIsEvictedPastCapacity()
    {
        var scores = new DecayingScores();
        for (var i = 0; i < 9; i++)
        {
            scores.Add($"k{i}", i + 1, T0, HalfLife, capacity: 8);
        }

        Assert.Equal(6, scores.Count);
        Assert.Equal(["k8", "k7", "k6", "k5", "k4", "k3"], scores.Top(10).Select(e => e.Key));
    }
}
