using Encore.Client.Evaluation;

namespace Encore.Client.Tests.Evaluation;

public sealed class EaseBaselineTests
{
    private const double Tolerance = 1e-9;

    // XᵀX: a has 3 listeners, b 3, c 2; a and b share 2 (u1 u2), a and c 1 (u2), b and c 2 (u2 u4).
    private static readonly ListenerItems[] Train = TrainingData.Of(
        "u1: a b",
        "u2: a b c",
        "u3: a",
        "u4: b c");

    private static readonly string[] Items = ["a", "b", "c"];

    [Fact]
    public void WeightsMatchTheClosedFormWithAnExplicitInverse()
    {
        // G = XᵀX + 0.5 I = [[3.5 2 1] [2 3.5 2] [1 2 2.5]], det G = 89/8,
        // P = G⁻¹ = [[38 -24 4] [-24 62 -40] [4 -40 66]] / 89, B[i, j] = -P[i, j] / P[j, j]:
        // B = [[0 12/31 -2/33] [12/19 0 20/33] [-2/19 20/31 0]].
        var expected = ClosedForm(new double[,] { { 3.5, 2, 1 }, { 2, 3.5, 2 }, { 1, 2, 2.5 } });
        Assert.Equal(12.0 / 31, expected[0, 1], Tolerance);
        Assert.Equal(-2.0 / 19, expected[2, 0], Tolerance);

        var ease = new EaseBaseline(Train, lambda: 0.5);

        Assert.Equal(0.5, ease.Lambda);
        Assert.Equal(3, ease.ItemCount);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(expected[i, j], ease.Weight(Items[i], Items[j])!.Value, Tolerance);
            }
        }
    }

    [Fact]
    public void ListenersGetTheirRowSumsRankedWithoutTrainingItems()
    {
        var ease = new EaseBaseline(Train, lambda: 0.5);

        // u3 {a}: b = 12/31, c = -2/33; negative scores are still ranked.
        Assert.Equal(["b", "c"], ease.Recommend("u3", 10));
        // u4 {b, c}: a = 12/19 - 2/19.
        Assert.Equal(["a"], ease.Recommend("u4", 10));
        Assert.Empty(ease.Recommend("u2", 10));
        Assert.Empty(ease.Recommend("stranger", 10));
    }

    [Fact]
    public void OnlyTheMostListenedItemsAreModelled()
    {
        // With u5, a, b and c have 3 listeners each; the cap of 2 keeps a and b (ties by id).
        var ease = new EaseBaseline([.. Train, new ListenerItems("u5", ["c"])], lambda: 0.5, maxItems: 2);

        Assert.Equal(2, ease.ItemCount);
        Assert.Null(ease.Weight("a", "c"));
        // G = [[3.5 2] [2 3.5]], so B[a, b] = 2 / 3.5.
        Assert.Equal(4.0 / 7, ease.Weight("a", "b")!.Value, Tolerance);
        Assert.Equal(["b"], ease.Recommend("u3", 10));
        Assert.Empty(ease.Recommend("u5", 10));
    }

    [Fact]
    public void TheEigendecompositionRouteGivesTheCholeskyWeights()
    {
        var train = TrainingData.Generated(listeners: 60, items: 25);
        var items = train.SelectMany(l => l.Items).Distinct().ToArray();
        double[] lambdas = [0.5, 4, 30];

        foreach (var viaEigen in EaseBaseline.ForEachLambda(train, lambdas, maxItems: 20))
        {
            var viaCholesky = new EaseBaseline(train, viaEigen.Lambda, maxItems: 20);
            foreach (var from in items)
            {
                foreach (var to in items)
                {
                    var expected = viaCholesky.Weight(from, to);
                    var actual = viaEigen.Weight(from, to);
                    Assert.Equal(expected is null, actual is null);
                    Assert.Equal(expected ?? 0, actual ?? 0, Tolerance);
                }
            }
        }
    }

    [Fact]
    public void PickLambdaChoosesTheBestNdcgOnTheLastFifthOfTraining()
    {
        var train = TrainingData.Generated(listeners: 80, items: 30);
        double[] candidates = [0.1, 3, 50, 2000];
        const int K = 5;

        // The same validation, computed here with the public pieces and one Cholesky model per candidate.
        var split = train.Select(l => (l.UserId, Parts: Holdout.Split(l.Items, 0.2))).ToArray();
        var fit = split.Select((s, i) => s.Parts is { } p ? new ListenerItems(s.UserId, p.Train) : train[i]).ToArray();
        var validation = split
            .Where(s => s.Parts is not null)
            .Select(s => (s.UserId, Relevant: s.Parts!.Value.Test.Except(s.Parts.Value.Train).ToHashSet(StringComparer.Ordinal)))
            .Where(v => v.Relevant.Count > 0)
            .ToArray();
        var ndcgs = candidates.Select(lambda =>
        {
            var model = new EaseBaseline(fit, lambda);
            return validation.Average(v => RankingMetrics.Ndcg(model.Recommend(v.UserId, K), v.Relevant, K));
        }).ToArray();
        Assert.True(ndcgs.Distinct().Count() > 1, "the candidates should not all score the same");

        Assert.Equal(candidates[Array.IndexOf(ndcgs, ndcgs.Max())], EaseBaseline.PickLambda(train, candidates, K));
    }

    [Fact]
    public void NoPlaysGiveAnEmptyModel()
    {
        ListenerItems[] silent = [new("u1", [])];

        Assert.Empty(new EaseBaseline(silent, lambda: 1).Recommend("u1", 10));
        Assert.Equal(1, EaseBaseline.PickLambda(silent, [1, 2], k: 10));
    }

    [Fact]
    public void ASingleCandidateIsTakenAsIs() =>
        Assert.Equal(7, EaseBaseline.PickLambda(Train, [7], k: 10));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LambdaMustBePositive(double lambda) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EaseBaseline(Train, lambda));

    /// <summary>B = I − P·diag(1/diag(P)) with P the 3 x 3 inverse by cofactors: an independent route to the weights.</summary>
    private static double[,] ClosedForm(double[,] g)
    {
        double Minor(int row, int column)
        {
            int[] rows = [.. Enumerable.Range(0, 3).Where(r => r != row)];
            int[] columns = [.. Enumerable.Range(0, 3).Where(c => c != column)];
            return g[rows[0], columns[0]] * g[rows[1], columns[1]] - g[rows[0], columns[1]] * g[rows[1], columns[0]];
        }

        var determinant = g[0, 0] * Minor(0, 0) - g[0, 1] * Minor(0, 1) + g[0, 2] * Minor(0, 2);
        var p = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                // The inverse is the transposed cofactor matrix over the determinant.
                p[i, j] = ((i + j) % 2 == 0 ? 1 : -1) * Minor(j, i) / determinant;
            }
        }

        var b = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                b[i, j] = i == j ? 0 : -p[i, j] / p[j, j];
            }
        }

        return b;
    }
}
