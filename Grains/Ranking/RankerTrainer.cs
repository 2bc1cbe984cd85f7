using System.Security.Cryptography;
using System.Text;
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
/// <param name="Labels">The grades of <see cref="TrainingData"/>: 4 completed, 3 played past 30 s, 2 by an artist discovered after the cut-off, 1 skipped, 0 none of these.</param>
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
/// LightGBM's native library cannot load on this machine. It fits every labelled row of a group and a
/// seeded sample of at most <see cref="UnlabelledPerGroup"/> of its unlabelled rows
/// (<see cref="Thin"/>), on one thread.
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

    /// <summary>
    /// Unlabelled (not played) rows kept per group. A warm listener has ~660 candidates and ~4 labelled
    /// ones; on the groups of 1 000 000 synthetic plays, 200 kept NDCG@20 within 1 % of fitting every
    /// row at a third of the cost, where 100 lost 3 % (docs/ranker.md).
    /// </summary>
    public const int UnlabelledPerGroup = 200;

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
        var data = context.Data.LoadFromEnumerable(Rows([.. groups.Select(g => Thin(g))]));
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

    /// <summary>
    /// <paramref name="group"/> with every labelled row (graded above 0: played, skipped or by a discovered artist) and at most
    /// <paramref name="unlabelled"/> of its unlabelled rows, in their original order. The sample is
    /// seeded by the listener's id, so the same group always thins to the same rows.
    /// </summary>
    /// <remarks>
    /// LambdaRank learns from pairs of rows with different labels, and in a group of ~670 candidates
    /// nearly all are unlabelled: the fit's cost grows with the rows, its signal with the labelled ones.
    /// Only training thins; the gate ranks every candidate, as serving does.
    /// </remarks>
    public static TrainingGroup Thin(TrainingGroup group, int unlabelled = UnlabelledPerGroup)
    {
        var zeros = Enumerable.Range(0, group.Labels.Length).Where(i => group.Labels[i] == 0).ToArray();
        if (zeros.Length <= unlabelled)
        {
            return group;
        }

        // A partial Fisher-Yates shuffle: the first `unlabelled` entries become the sample.
        var random = new Random(Seed ^ BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(group.UserId))));
        for (var i = 0; i < unlabelled; i++)
        {
            var j = random.Next(i, zeros.Length);
            (zeros[i], zeros[j]) = (zeros[j], zeros[i]);
        }

        var keep = new bool[group.Labels.Length];
        for (var i = 0; i < keep.Length; i++)
        {
            keep[i] = group.Labels[i] != 0;
        }

        foreach (var i in zeros.AsSpan(0, unlabelled))
        {
            keep[i] = true;
        }

        var rows = Enumerable.Range(0, keep.Length).Where(i => keep[i]).ToArray();
        return group with
        {
            TrackIds = [.. rows.Select(i => group.TrackIds[i])],
            Features = [.. rows.Select(i => group.Features[i])],
            HeuristicScores = [.. rows.Select(i => group.HeuristicScores[i])],
            Labels = [.. rows.Select(i => group.Labels[i])],
        };
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
