using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Encore.Ranking;

/// <summary>
/// A loaded model: immutable, shared by every request of the silo. Scoring walks the model's trees
/// directly (<see cref="TreeEnsembleScorer"/>, extracted once here); the ML.NET transformer is kept
/// for saving the model and for scoring what the trees cannot: a model that is not a plain tree
/// ensemble, or a vector with a missing value. Both are safe from many threads at once (a
/// <c>PredictionEngine</c> is not).
/// </summary>
public sealed partial class RankerModel
{
    private static readonly MLContext Context = new(seed: RankerTrainer.Seed);

    private readonly ITransformer _transformer;
    private readonly TreeEnsembleScorer? _trees;

    private RankerModel(string version, ITransformer transformer, ILogger? logger)
    {
        Version = version;
        _transformer = transformer;
        _trees = TreeEnsembleScorer.TryExtract(transformer, CandidateFeatures.Count, out var reason);
        if (_trees is null)
        {
            LogNoTrees(logger ?? NullLogger.Instance, version, reason!);
        }
    }

    public string Version { get; }

    /// <summary>True when scores come from the trees directly, false when every list goes through the transformer.</summary>
    public bool ScoresTrees => _trees is not null;

    /// <summary>A model trained in this process.</summary>
    public static RankerModel From(string version, ITransformer transformer, ILogger? logger = null) => new(version, transformer, logger);

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    public static RankerModel Load(string version, byte[] bytes, ILogger? logger = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return new(version, Context.Model.Load(stream, out _), logger);
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Context.Model.Save(_transformer, FeatureRow.Schema(Context), stream);
        return stream.ToArray();
    }

    /// <summary>One score per vector, higher is better; the scale is the model's own.</summary>
    public float[] Score(float[][] features)
    {
        var scores = new float[features.Length];
        ScoreInto(features, scores);
        return scores;
    }

    /// <summary>
    /// <see cref="Score"/> through the ML.NET transformer: one data view over the whole list. What the
    /// direct scorer is checked against, and what scores when it cannot.
    /// </summary>
    public float[] ScoreWithTransformer(float[][] features)
    {
        if (features.Length == 0)
        {
            return [];
        }

        var view = Context.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }));
        return [.. _transformer.Transform(view).GetColumn<float>("Score")];
    }

    /// <summary>Scores squashed into 0..1, so that the recommender's artist discount works as it does on heuristic scores.</summary>
    public double[] ScoreUnit(float[][] features)
    {
        var unit = new double[features.Length];
        var rented = ArrayPool<float>.Shared.Rent(features.Length);
        try
        {
            var scores = rented.AsSpan(0, features.Length);
            ScoreInto(features, scores);
            for (var i = 0; i < scores.Length; i++)
            {
                unit[i] = 1.0 / (1.0 + Math.Exp(-scores[i]));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return unit;
    }

    private void ScoreInto(float[][] features, Span<float> scores)
    {
        if (features.Length > 0 && (_trees is null || !_trees.TryScore(features, scores)))
        {
            ScoreWithTransformer(features).CopyTo(scores);
        }
    }

    [LoggerMessage(EventId = 1508, Level = LogLevel.Warning, Message = "Ranker {Version} cannot be scored from its trees directly ({Reason}); every list goes through the ML.NET transformer")]
    private static partial void LogNoTrees(ILogger logger, string version, string reason);
}

/// <summary>The input row of scoring: one candidate's vector.</summary>
public sealed class FeatureRow
{
    [VectorType(CandidateFeatures.Count)]
    public float[] Features { get; set; } = [];

    public static DataViewSchema Schema(MLContext context) =>
        context.Data.LoadFromEnumerable(Array.Empty<FeatureRow>()).Schema;
}
