namespace Encore.Stats;

/// <summary>
/// The durations recorded in the last <see cref="Window"/>, at most <see cref="Capacity"/> of them:
/// enough for percentiles a person reads on a chart, at a fixed cost however busy the silo is.
/// </summary>
public sealed class RecentDurations(TimeProvider time)
{
    public const int Capacity = 4096;

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly long[] _at = new long[Capacity];
    private readonly double[] _milliseconds = new double[Capacity];
    private int _next;
    private int _count;

    public void Record(TimeSpan duration)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            _at[_next] = now;
            _milliseconds[_next] = duration.TotalMilliseconds;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public LatencySummary Summarize()
    {
        var recent = new List<double>();
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                if (time.GetElapsedTime(_at[i]) <= Window)
                {
                    recent.Add(_milliseconds[i]);
                }
            }
        }

        recent.Sort();
        return new LatencySummary((int)Window.TotalSeconds, recent.Count, Percentile(recent, 0.5), Percentile(recent, 0.9), Percentile(recent, 0.99),
            recent.Count == 0 ? 0 : recent[^1]);
    }

    /// <summary>Nearest rank: the smallest value that at least <paramref name="share"/> of the values do not exceed.</summary>
    private static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)];
}

/// <summary>Durations of the last <paramref name="WindowSeconds"/> seconds, in milliseconds (all 0 when there were none).</summary>
/// <param name="Count">How many were recorded in the window (at most <see cref="RecentDurations.Capacity"/> are kept).</param>
public sealed record LatencySummary(int WindowSeconds, int Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs);
