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
    [Id(0)] private readonly Dictionary<string, double> _scores = new(StringComparer.Ordinal);
    [Id(1)] private long _asOfTicks;

    public int Count => _scores.Count;

    public DateTimeOffset AsOf => new(_asOfTicks, TimeSpan.Zero);

    public void Add(string key, double weight, DateTimeOffset ts, TimeSpan halfLife, int capacity)
    {
        var ticks = ts.UtcTicks;
        if (ticks > _asOfTicks)
        {
            if (_asOfTicks != 0)
            {
                var factor = Decay(ticks - _asOfTicks, halfLife);
                foreach (var k in _scores.Keys)
                {
                    _scores[k] *= factor;
                }
            }

            _asOfTicks = ticks;
        }
        else
        {
            weight *= Decay(_asOfTicks - ticks, halfLife);
        }

        _scores[key] = _scores.GetValueOrDefault(key) + weight;
        if (_scores.Count > capacity)
        {
            foreach (var weakest in _scores.OrderBy(e => e.Value).Take(_scores.Count - capacity * 3 / 4).Select(e => e.Key).ToList())
            {
                _scores.Remove(weakest);
            }
        }
    }

    public double Get(string key) => _scores.GetValueOrDefault(key);

    /// <summary>The strongest keys with a positive score, strongest first.</summary>
    public IEnumerable<KeyValuePair<string, double>> Top(int count) =>
        _scores.Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(count);

    internal static double Decay(long elapsedTicks, TimeSpan halfLife) =>
        Math.Pow(0.5, (double)elapsedTicks / halfLife.Ticks);
}
