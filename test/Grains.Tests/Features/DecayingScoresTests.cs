using Encore.Features;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

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

    [Fact]
    public void ScoresStayExactPastHundredsOfHalfLives()
    {
        var scores = new DecayingScores();
        scores.Add("old", 1, T0, HalfLife, 10);
        scores.Add("new", 1, T0.AddDays(400), HalfLife, 10);
        scores.Add("newer", 3, T0.AddDays(401), HalfLife, 10);

        Assert.Equal(Math.Pow(0.5, 401), scores.Get("old"), Math.Pow(0.5, 401) * 1e-9);
        Assert.Equal(0.5, scores.Get("new"), 9);
        Assert.Equal(3.0, scores.Get("newer"), 9);
        Assert.Equal(["newer", "new", "old"], scores.Top(10).Select(e => e.Key));
        Assert.Equal(0.5, scores.Top(10).Single(e => e.Key == "new").Value, 9);
    }

    [Fact]
    public void DecayedScoresCrossAGrainBoundaryUnchanged()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var scores = new DecayingScores();
        scores.Add("rock", 1, T0, HalfLife, 10);
        scores.Add("jazz", 2, T0.AddDays(3), HalfLife, 10);

        var copy = serializer.Deserialize<DecayingScores>(serializer.SerializeToArray(scores))!;
        copy.Add("pop", 1, T0.AddDays(4), HalfLife, 10);

        Assert.Equal(0.0625, copy.Get("rock"), 9);
        Assert.Equal(1.0, copy.Get("jazz"), 9);
        Assert.Equal(1.0, copy.Get("pop"), 9);
    }

    /// <summary>
    /// A listener's state as the build before this class held its scores in arrays serialized it
    /// (genres rock 1 at T0 and jazz 2 a day later, artist Björk 1.5 a day after that, 3 plays): it
    /// must read back with the same scores, and be written exactly as that build wrote it, so that
    /// silos of both builds can share stored state during a rolling update.
    /// </summary>
    [Fact]
    public void StateStoredAsDictionariesReadsBackAndIsWrittenTheSameWay()
    {
        const string Stored = "ICDgAQ0BAYEAAAAAAAAAAAEBIeAh4AEBISAwATEs1C4dU3RyaW5nQ29tcGFyZXIAAwEB4AEFQQlyb2NrgAAAAAAAAPA/QAlqYXp6gAAAAAAAABBA4IEAwN82UEvfCIEAAAAAAADgP+AhIDgDAAMBAeABA0ENQmrDtnJrgAAAAAAAAPg/4IEAgElhGUzfCIEAAAAAAAAAAOAhIOCBAAAAAAAAAAABAeDBAcEBwQEBAeA=";
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var state = serializer.Deserialize<UserState>(Convert.FromBase64String(Stored))!;

        Assert.Equal(3, state.Plays);
        Assert.Equal(0.5, state.Genres.Get("rock"), 9);
        Assert.Equal(2.0, state.Genres.Get("jazz"), 9);
        Assert.Equal(1.5, state.Artists.Get("Björk"), 9);
        Assert.Equal(["jazz", "rock"], state.Genres.Top(10).Select(e => e.Key));
        Assert.Equal(Stored, Convert.ToBase64String(serializer.SerializeToArray(state)));
    }
}
