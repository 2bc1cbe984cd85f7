using Encore.Ranking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;

namespace Encore.Grains.Tests.Ranking;

public sealed class TreeEnsembleScorerTests
{
    [Theory]
    [InlineData(false, RankerTrainer.LightGbm)]
    [InlineData(true, RankerTrainer.FastTree)]
    public void TheTreesScoreEveryRowAsTheTransformerDoes(bool fastTreeOnly, string trainer)
    {
        var (transformer, used) = RankerTrainer.Train(Groups(seed: 1, count: 200), NullLogger.Instance, fastTreeOnly);
        Assert.Equal(trainer, used);

        // Rows like the training's, rows outside its range, and rows sitting exactly on the trees'
        // thresholds, where `<=` against `<` would send them down the other branch.
        var random = new Random(2);
        var thresholds = Ensemble(transformer).Trees.SelectMany(t => t.NumericalSplitThresholds).Distinct().ToArray();
        float[][] rows =
        [
            .. Groups(seed: 3, count: 100).SelectMany(g => g.Features),
            .. Enumerable.Range(0, 500).Select(_ => Row(random, () => (float)(random.NextDouble() * 3 - 1))),
            .. Enumerable.Range(0, 500).Select(_ => Row(random, () => thresholds[random.Next(thresholds.Length)])),
            new float[CandidateFeatures.Count],
        ];

        // In process, as the trainer's gate scores, and through the bytes, as a silo loads it.
        foreach (var model in new[] { RankerModel.From("ranker-1", transformer), RankerModel.Load("ranker-1", RankerModel.From("ranker-1", transformer).ToBytes()) })
        {
            Assert.True(model.ScoresTrees);
            var direct = model.Score(rows);
            var reference = model.ScoreWithTransformer(rows);
            var unit = model.ScoreUnit(rows);
            Assert.Equal(rows.Length, direct.Length);
            Assert.Equal(rows.Length, unit.Length);
            for (var i = 0; i < rows.Length; i++)
            {
                Assert.True(Math.Abs(direct[i] - reference[i]) <= 1e-5 * Math.Abs(reference[i]), $"row {i}: trees {direct[i]}, transformer {reference[i]}");
                Assert.Equal(1.0 / (1.0 + Math.Exp(-direct[i])), unit[i]);
            }

            // The trees discriminate: the scores are not one constant that would match trivially.
            Assert.True(reference.Distinct().Count() > rows.Length / 2);
        }
    }

    [Fact]
    public void AListWithAMissingValueIsScoredByTheTransformer()
    {
        var model = RankerModel.From("ranker-1", RankerTrainer.Train(Groups(seed: 4, count: 50), NullLogger.Instance).Model);
        var rows = Groups(seed: 5, count: 1).Single().Features;
        rows[3] = [.. rows[3]];
        rows[3][0] = float.NaN;

        Assert.True(model.ScoresTrees);
        Assert.Equal(model.ScoreWithTransformer(rows), model.Score(rows));
    }

    [Fact]
    public void AModelThatIsNotOneTreeEnsembleIsNotExtracted()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Array.Empty<FeatureRow>());
        var copy = context.Transforms.CopyColumns("Copy", nameof(FeatureRow.Features)).Fit(data);

        Assert.Null(TreeEnsembleScorer.TryExtract(copy, CandidateFeatures.Count, out var reason));
        Assert.Contains("not a prediction transformer", reason);
    }

    private static RegressionTreeEnsemble Ensemble(ITransformer transformer) =>
        ((TreeEnsembleModelParametersBasedOnRegressionTree)((IPredictionTransformer<object>)transformer).Model).TrainedTreeEnsemble;

    private static float[] Row(Random random, Func<float> value) =>
        [.. Enumerable.Range(0, CandidateFeatures.Count).Select(_ => value())];

    /// <summary>
    /// Groups of 30 candidates with random features in 0..1, graded 0 to 3 by a noisy mix of several
    /// of them, so that the trees split on many features at many thresholds.
    /// </summary>
    private static TrainingGroup[] Groups(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(g =>
        {
            var features = Enumerable.Range(0, 30).Select(_ => Row(random, () => (float)random.NextDouble())).ToArray();
            var labels = features.Select(f => f[0] + 0.5f * f[3] + 0.5f * f[7] * f[12] - 0.3f * f[18] + 0.3f * (float)random.NextDouble())
                .Select(s => s > 1.4f ? 3f : s > 1.1f ? 2f : s > 0.9f ? 1f : 0f).ToArray();
            return new TrainingGroup($"listener-{seed}-{g}", new string[30], features, new double[30], labels,
                new HashSet<string>(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1));
        })];
    }
}
