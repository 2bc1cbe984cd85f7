using Encore.Client.Evaluation;
using static Encore.Client.Tests.Evaluation.RankingMetricsTests;

namespace Encore.Client.Tests.Evaluation;

public sealed class MetricsAccumulatorTests
{
    private const double Precision = 12;

    // Five listeners, lists already without training items. Discounts: rank 1 = 1, rank 2 = 1/log2(3) =
    // 0.6309297535714575, rank 3 = 1/log2(4) = 0.5.
    //
    // listener  ranked     relevant       @1: HR Recall NDCG   @3: HR Recall NDCG
    // 1         a b c      {a}                1  1      1          1  1      1
    // 2         a b c      {c, d}             0  0      0          1  1/2    0.5 / (1 + 0.6309297535714575) = 0.3065735963827292
    // 3         d e f      {x}                0  0      0          0  0      0
    // 4         b d a      {b, a, y, z}       1  1/4    1          1  2/4    (1 + 0.5) / (1 + 0.6309297535714575 + 0.5) = 0.7039180890341347
    // 5         e a        {a}                0  0      0          1  1      0.6309297535714575 / 1
    private static readonly (string[] Ranked, HashSet<string> Relevant)[] Lists =
    [
        (["a", "b", "c"], Set("a")),
        (["a", "b", "c"], Set("c", "d")),
        (["d", "e", "f"], Set("x")),
        (["b", "d", "a"], Set("b", "a", "y", "z")),
        (["e", "a"], Set("a")),
    ];

    // c shares a's artist, so listeners 1 and 2 get one artist in their top 3.
    private static readonly Dictionary<string, string> Artists = new()
    {
        ["a"] = "A1", ["b"] = "A1", ["c"] = "A1", ["d"] = "A3", ["e"] = "A4", ["f"] = "A5",
    };

    [Fact]
    public void MeansOverFiveListenersMatchTheHandComputedFigures()
    {
        var result = Accumulate();

        Assert.Equal("live", result.Method);
        Assert.Equal(EvaluationLevel.Track, result.Level);
        Assert.Equal(5, result.Listeners);
        Assert.Equal([1, 3], result.AtK.Select(m => m.K));

        var at1 = result.AtK[0];
        Assert.Equal(2.0 / 5, at1.HitRate, Precision);                 // (1 + 0 + 0 + 1 + 0) / 5
        Assert.Equal(1.25 / 5, at1.Recall, Precision);                 // (1 + 0 + 0 + 1/4 + 0) / 5
        Assert.Equal(2.0 / 5, at1.Ndcg, Precision);                    // (1 + 0 + 0 + 1 + 0) / 5

        var at3 = result.AtK[1];
        Assert.Equal(4.0 / 5, at3.HitRate, Precision);                 // (1 + 1 + 0 + 1 + 1) / 5
        Assert.Equal(3.0 / 5, at3.Recall, Precision);                  // (1 + 1/2 + 0 + 1/2 + 1) / 5
        Assert.Equal(0.5282842877976643, at3.Ndcg, Precision);         // (1 + 0.3065735963827292 + 0 + 0.7039180890341347 + 0.6309297535714575) / 5
    }

    [Fact]
    public void CoverageAndDistinctArtistsMatchTheHandComputedFigures()
    {
        var result = Accumulate();

        // Top 1s: a, a, d, b, e, so 4 distinct of a universe of 10; one artist per list.
        Assert.Equal(4.0 / 10, result.AtK[0].Coverage, Precision);
        Assert.Equal(1, result.AtK[0].DistinctArtists, Precision);
        // Top 3s: a b c d e f, so 6 of 10. Artists: {A1}, {A1}, {A3 A4 A5}, {A1 A3}, {A4 A1}: (1 + 1 + 3 + 2 + 2) / 5.
        Assert.Equal(6.0 / 10, result.AtK[1].Coverage, Precision);
        Assert.Equal(9.0 / 5, result.AtK[1].DistinctArtists, Precision);
    }

    [Fact]
    public void NoListenersGiveZeroFigures()
    {
        var result = new MetricsAccumulator("ease", EvaluationLevel.Artist, [10], 100).Result();

        Assert.Equal(0, result.Listeners);
        Assert.Equal(new MetricsAtK(10, 0, 0, 0, 0, 0), result.AtK.Single());
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 5, 5 })]
    public void ListLengthsMustBeDistinctAndPositive(int[] ks) =>
        Assert.Throws<ArgumentException>(() => new MetricsAccumulator("ease", EvaluationLevel.Track, ks, 10));

    private static MethodResult Accumulate()
    {
        var accumulator = new MetricsAccumulator("live", EvaluationLevel.Track, [1, 3], universeSize: 10);
        foreach (var (ranked, relevant) in Lists)
        {
            accumulator.Add(ranked, relevant, item => Artists[item]);
        }

        return accumulator.Result();
    }
}
