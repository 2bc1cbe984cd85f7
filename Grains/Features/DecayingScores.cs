namespace Encore.Features;

/// <summary>
/// Scores per key that halve every <c>halfLife</c> of event time, bounded to a capacity: when it is
/// exceeded the weakest quarter is evicted, so state stays bounded however many keys a user or track
/// meets. Scores are kept as of the newest event time seen; a late event adds a weight already decayed
/// to that time, so the order events arrive in does not matter.
/// </summary>
[GenerateSerializer]
public sealed class DecayingScores
{
    /// <summary>Below this, the scale is folded into the stored scores, long before a double would underflow.</summary>
    private const double SmallestScale = 1e-100;

    [Id(0)] private readonly Dictionary<string, double> _scores = new(StringComparer.Ordinal);
    [Id(1)] private long _asOfTicks;

    // A score is its stored value times the scale, so that decaying every score is one multiplication,
    // not one per key: a hot track's co-listens and a listener's affinities decayed on nearly every play.
    // 0 stands for 1, so that a state stored before the scale existed reads as it was written.
    [Id(2)] private double _scale;

    private double Scale => _scale == 0 ? 1 : _scale;

    public int Count => _scores.Count;

    public DateTimeOffset AsOf => new(_asOfTicks, TimeSpan.Zero);

    public void Add(string key, double weight, DateTimeOffset ts, TimeSpan halfLife, int capacity)
    {
        var ticks = ts.UtcTicks;
        if (ticks > _asOfTicks)
        {
            if (_asOfTicks != 0)
            {
                _scale = Scale * Decay(ticks - _asOfTicks, halfLife);
                if (_scale < SmallestScale)
                {
                    FoldScale();
                }
            }

            _asOfTicks = ticks;
        }
        else
        {
            weight *= Decay(_asOfTicks - ticks, halfLife);
        }

        _scores[key] = _scores.GetValueOrDefault(key) + weight / Scale;
        if (_scores.Count > capacity)
        {
            // One scale for all: the stored values order the keys as their scores do.
            foreach (var weakest in _scores.OrderBy(e => e.Value).Take(_scores.Count - capacity * 3 / 4).Select(e => e.Key).ToList())
            {
                _scores.Remove(weakest);
            }
        }
    }

    public double Get(string key) => _scores.GetValueOrDefault(key) * Scale;

    /// <summary>The strongest keys with a positive score, strongest first.</summary>
    public IEnumerable<KeyValuePair<string, double>> Top(int count) =>
        _scores.Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(count)
            .Select(e => KeyValuePair.Create(e.Key, e.Value * Scale));

    private void FoldScale()
    {
        foreach (var key in _scores.Keys)
        {
            _scores[key] *= _scale;
        }

        _scale = 1;
    }

    internal static double Decay(long elapsedTicks, TimeSpan halfLife) =>
        Math.Pow(0.5, (double)elapsedTicks / halfLife.Ticks);
}
