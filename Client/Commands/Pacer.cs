namespace Encore.Client.Commands;

/// <summary>
/// Holds a producer to a steady rate by sleeping, never spinning: item <c>n</c> is due
/// <c>n / rate</c> seconds after the start, and the caller sleeps only while it is ahead of that
/// schedule. Because the schedule is absolute, a late timer is made up for by the next items
/// instead of lowering the average rate.
/// </summary>
internal sealed class Pacer
{
    // Sleeping for less than this costs more than it saves; the schedule absorbs the difference.
    private static readonly TimeSpan MinimumSleep = TimeSpan.FromMilliseconds(1);

    private readonly double _ratePerSecond;
    private readonly TimeProvider _time;
    private readonly long _started;

    /// <param name="ratePerSecond">Items per second; 0 (or less) for no limit.</param>
    /// <param name="time">The clock to pace by; the schedule starts now.</param>
    public Pacer(double ratePerSecond, TimeProvider time)
    {
        _ratePerSecond = ratePerSecond;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>Waits until item <paramref name="index"/> (0-based) is due; returns at once without a limit.</summary>
    public Task WaitForAsync(long index, CancellationToken cancellationToken)
    {
        if (_ratePerSecond <= 0)
        {
            return Task.CompletedTask;
        }

        var ahead = TimeSpan.FromSeconds(index / _ratePerSecond) - _time.GetElapsedTime(_started);
        return ahead >= MinimumSleep ? Task.Delay(ahead, _time, cancellationToken) : Task.CompletedTask;
    }
}
