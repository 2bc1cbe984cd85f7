using Microsoft.ML;
using Microsoft.ML.Data;

namespace Encore.Ranking;

/// <summary>
/// A loaded model: immutable, shared by every request of the silo. Scoring goes through
/// <see cref="ITransformer.Transform"/> over a data view of the whole candidate list, which is safe
/// from many threads at once (a <c>PredictionEngine</c> is not).
/// </summary>
public sealed class RankerModel
{
    private static readonly MLContext Context = new(seed: RankerTrainer.Seed);

    private readonly ITransformer _transformer;

    private RankerModel(string version, ITransformer transformer)
    {
        Version = version;
        _transformer = transformer;
    }

    public string Version { get; }

    /// <summary>A model trained in this process.</summary>
    public static RankerModel From(string version, ITransformer transformer) => new(version, transformer);

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    public static RankerModel Load(string version, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return new(version, Context.Model.Load(stream, out _));
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
        if (features.Length == 0)
        {
            return [];
        }

        var view = Context.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }));
        return [.. _transformer.Transform(view).GetColumn<float>("Score")];
    }

    /// <summary>Scores squashed into 0..1, so that the recommender's artist discount works as it does on heuristic scores.</summary>
    public double[] ScoreUnit(float[][] features) => [.. Score(features).Select(s => 1.0 / (1.0 + Math.Exp(-s)))];
}

/// <summary>The input row of scoring: one candidate's vector.</summary>
public sealed class FeatureRow
{
    [VectorType(CandidateFeatures.Count)]
    public float[] Features { get; set; } = [];

    public static DataViewSchema Schema(MLContext context) =>
        context.Data.LoadFromEnumerable(Array.Empty<FeatureRow>()).Schema;
}
