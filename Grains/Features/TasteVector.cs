namespace Encore.Features;

/// <summary>
/// A decayed weighted mean of the standardized audio features of the tracks a user finished: what
/// their listening sounds like lately, in the same space as the catalog's content index.
/// </summary>
[GenerateSerializer]
public sealed class TasteVector
{
    [Id(0)] private double[] _sum = [];
    [Id(1)] private double _weight;
    [Id(2)] private long _asOfTicks;

    public bool IsEmpty => _weight <= 1e-9;

    public void Add(ReadOnlySpan<float> features, double weight, DateTimeOffset ts, TimeSpan halfLife)
    {
        if (_sum.Length != features.Length)
        {
            _sum = new double[features.Length];
            _weight = 0;
        }

        var ticks = ts.UtcTicks;
        if (ticks > _asOfTicks)
        {
            if (_asOfTicks != 0)
            {
                var factor = DecayingScores.Decay(ticks - _asOfTicks, halfLife);
                for (var i = 0; i < _sum.Length; i++)
                {
                    _sum[i] *= factor;
                }

                _weight *= factor;
            }

            _asOfTicks = ticks;
        }
        else
        {
            weight *= DecayingScores.Decay(_asOfTicks - ticks, halfLife);
        }

        for (var i = 0; i < _sum.Length; i++)
        {
            _sum[i] += weight * features[i];
        }

        _weight += weight;
    }

    public float[] Mean()
    {
        if (IsEmpty)
        {
            return [];
        }

        var mean = new float[_sum.Length];
        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)(_sum[i] / _weight);
        }

        return mean;
    }
}
