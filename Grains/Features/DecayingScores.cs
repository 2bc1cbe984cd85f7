namespace Encore.Features;

/// <summary>
/// Scores per key that halve every <c>halfLife</c> of event time, bounded to a capacity: when it is
/// exceeded the weakest quarter is evicted, so state stays bounded however many keys a user or track
/// meets. Scores are kept as of the newest event time seen; a late event adds a weight already decayed
/// to that time, so the order events arrive in does not matter.
/// </summary>
/// <remarks>
/// Keys and their stored values are one unordered array of 16-byte entries. Every listener keeps two
/// of these (genres, artists) and every played track one (its co-listens), at most 64 keys each: a
/// dictionary was three objects and about 30 bytes a key, and these dictionaries were what grew most in
/// a loaded silo's heap (docs/performance.md). At 64 keys a scan finds a key about as soon as a hash
/// would. Stored and sent through <see cref="DecayingScoresConverter"/>.
/// </remarks>
public sealed class DecayingScores
{
    /// <summary>Below this, the scale is folded into the stored scores, long before a double would underflow.</summary>
    private const double SmallestScale = 1e-100;

    private Entry[] _entries = [];
    private int _count;
    private long _asOfTicks;

    // A score is its stored value times the scale, so that decaying every score is one multiplication,
    // not one per key: a hot track's co-listens and a listener's affinities decayed on nearly every play.
    // 0 stands for 1, so that a state stored before the scale existed reads as it was written.
    private double _scale;

    private double Scale => _scale == 0 ? 1 : _scale;

    public int Count => _count;

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

        var at = IndexOf(key);
        if (at < 0)
        {
            if (_count == _entries.Length)
            {
                Array.Resize(ref _entries, CappedGrowth.NextLength(_entries.Length, _count, capacity));
            }

            at = _count++;
            _entries[at] = new Entry(key, 0);
        }

        _entries[at].Value += weight / Scale;
        if (_count > capacity)
        {
            // One scale for all: the stored values order the keys as their scores do.
            KeepStrongest(capacity * 3 / 4);
        }
    }

    public double Get(string key)
    {
        var at = IndexOf(key);
        return at < 0 ? 0 : _entries[at].Value * Scale;
    }

    /// <summary>The strongest keys with a positive score, strongest first, equal scores by key.</summary>
    public IEnumerable<KeyValuePair<string, double>> Top(int count)
    {
        var positive = new List<Entry>(_count);
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Value > 0)
            {
                positive.Add(_entries[i]);
            }
        }

        positive.Sort(StrongestFirst);
        var scale = Scale;
        return positive.Take(count).Select(e => KeyValuePair.Create(e.Key, e.Value * scale));
    }

    /// <summary>The scores as stored: each key's value before the scale, the newest event time and the scale (0 for 1).</summary>
    internal (IEnumerable<KeyValuePair<string, double>> Stored, long AsOfTicks, double Scale) ToStored() =>
        (_entries.Take(_count).Select(e => KeyValuePair.Create(e.Key, e.Value)), _asOfTicks, _scale);

    /// <summary>Scores read back from what <see cref="ToStored"/> gave.</summary>
    internal static DecayingScores FromStored(IReadOnlyDictionary<string, double> stored, long asOfTicks, double scale) => new()
    {
        _entries = [.. stored.Select(e => new Entry(SharedStrings.Of(e.Key), e.Value))],
        _count = stored.Count,
        _asOfTicks = asOfTicks,
        _scale = scale,
    };

    private int IndexOf(string key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void KeepStrongest(int keep)
    {
        Array.Sort(_entries, 0, _count, StrongestFirstComparer);
        Array.Clear(_entries, keep, _count - keep);
        _count = keep;
    }

    private static readonly Comparer<Entry> StrongestFirstComparer = Comparer<Entry>.Create(StrongestFirst);

    private static int StrongestFirst(Entry a, Entry b) =>
        a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key);

    private void FoldScale()
    {
        for (var i = 0; i < _count; i++)
        {
            _entries[i].Value *= _scale;
        }

        _scale = 1;
    }

    internal static double Decay(long elapsedTicks, TimeSpan halfLife) =>
        Math.Pow(0.5, (double)elapsedTicks / halfLife.Ticks);

    private record struct Entry(string Key, double Value);
}

/// <summary>
/// <see cref="DecayingScores"/> as stored and sent: the field numbers and types the class had when it
/// was serialized as a dictionary, so state stored then reads back unchanged.
/// </summary>
[GenerateSerializer]
public struct DecayingScoresSurrogate
{
    [Id(0)] public Dictionary<string, double>? Scores;
    [Id(1)] public long AsOfTicks;
    [Id(2)] public double Scale;
}

[RegisterConverter]
public sealed class DecayingScoresConverter : IConverter<DecayingScores, DecayingScoresSurrogate>
{
    public DecayingScores ConvertFromSurrogate(in DecayingScoresSurrogate surrogate) =>
        DecayingScores.FromStored(surrogate.Scores ?? new Dictionary<string, double>(), surrogate.AsOfTicks, surrogate.Scale);

    public DecayingScoresSurrogate ConvertToSurrogate(in DecayingScores value)
    {
        var (stored, asOfTicks, scale) = value.ToStored();
        return new DecayingScoresSurrogate { Scores = new Dictionary<string, double>(stored, StringComparer.Ordinal), AsOfTicks = asOfTicks, Scale = scale };
    }
}
