using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace Encore.Ranking;

/// <summary>
/// One listener's candidates at a cut-off, labelled by what the listener did after it. Rows of one
/// group are scored against each other (LambdaRank), never against other groups.
/// </summary>
/// <param name="Labels">3 completed (≥ 80 % of the track), 2 played past 30 s, 1 skipped, 0 not played after the cut-off.</param>
/// <param name="Relevant">Distinct tracks played past 30 s after the cut-off and not heard before it (candidates or not): what Recall and NDCG count.</param>
public sealed record TrainingGroup(
    string UserId,
    string[] TrackIds,
    float[][] Features,
    double[] HeuristicScores,
    float[] Labels,
    IReadOnlySet<string> Relevant,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd);

/// <summary>
/// LightGBM LambdaRank over <see cref="CandidateFeatures"/>, seeded; FastTree ranking (managed) when
/// LightGBM's native library cannot load on this machine.
/// </summary>
public static partial class RankerTrainer
{
    public const int Seed = 20261129;
    public const string LightGbm = "lightgbm";
    public const string FastTree = "fasttree";

    private const int Leaves = 31;
    private const int Trees = 200;
    private const int MinLeafRows = 20;
    private const double LearningRate = 0.05;

    // One thread: training shares its cores with the silo's own work. LightGBM's OpenMP threads
    // spin-wait at every barrier of every split, and on a busy 2-core machine (load average 20-30)
    // two threads took 17 times the wall time and 7 times the CPU of one. LightGBM's deterministic
    // mode also repeats a model only for the same thread count, which a constant makes independent
    // of the machine.
    private const int Threads = 1;

    /// <summary>Trains on <paramref name="groups"/> (each contiguous, in the order given); returns the model and the trainer that made it.</summary>
    public static (ITransformer Model, string Trainer) Train(IReadOnlyList<TrainingGroup> groups, ILogger logger, bool fastTreeOnly = false)
    {
        var context = new MLContext(seed: Seed);
        var data = context.Data.LoadFromEnumerable(Rows(groups));
        var keyed = context.Transforms.Conversion.MapValueToKey(nameof(TrainRow.GroupId)).Fit(data).Transform(data);
        if (!fastTreeOnly)
        {
            try
            {
                var lightGbm = context.Ranking.Trainers.LightGbm(new LightGbmRankingTrainer.Options
                {
                    LabelColumnName = nameof(TrainRow.Label),
                    FeatureColumnName = nameof(TrainRow.Features),
                    RowGroupColumnName = nameof(TrainRow.GroupId),
                    NumberOfLeaves = Leaves,
                    NumberOfIterations = Trees,
                    MinimumExampleCountPerLeaf = MinLeafRows,
                    LearningRate = LearningRate,
                    Seed = Seed,
                    NumberOfThreads = Threads,
                    Deterministic = true,
                    Silent = true,
                });
                return (lightGbm.Fit(keyed), LightGbm);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
            {
                LogLightGbmUnavailable(logger, e);
            }
        }

        var fastTree = context.Ranking.Trainers.FastTree(new FastTreeRankingTrainer.Options
        {
            LabelColumnName = nameof(TrainRow.Label),
            FeatureColumnName = nameof(TrainRow.Features),
            RowGroupColumnName = nameof(TrainRow.GroupId),
            NumberOfLeaves = Leaves,
            NumberOfTrees = Trees,
            MinimumExampleCountPerLeaf = MinLeafRows,
            LearningRate = LearningRate,
            Seed = Seed,
        });
        return (fastTree.Fit(keyed), FastTree);
    }

    private static IEnumerable<TrainRow> Rows(IReadOnlyList<TrainingGroup> groups)
    {
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            for (var i = 0; i < group.Features.Length; i++)
            {
                yield return new TrainRow { Label = group.Labels[i], GroupId = (uint)g + 1, Features = group.Features[i] };
            }
        }
    }

    private sealed class TrainRow
    {
        public float Label { get; set; }

        public uint GroupId { get; set; }

        [VectorType(CandidateFeatures.Count)]
        public float[] Features { get; set; } = [];
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "LightGBM's native library could not be loaded; training with FastTree ranking instead")]
    private static partial void LogLightGbmUnavailable(ILogger logger, Exception exception);
}
