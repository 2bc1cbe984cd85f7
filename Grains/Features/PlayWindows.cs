namespace Encore.Features;

/// <summary>
/// Plays and skips bucketed by event time: 60 one-minute buckets for the last hour and 168 one-hour
/// buckets for the last 24 hours and 7 days. A window is "the bucket that holds now and the ones just
/// before it" (1 h = this minute and the 59 before; 24 h = this hour and the 23 before; 7 d = this hour
/// and the 167 before), where now is the silo clock (<see cref="TimeProvider"/>) and each play sits in
/// the bucket of its own <c>ts</c>. A late play lands in its old bucket if that is still inside a
/// window and is left out of a window it is older than; plays stamped in the future (clock skew) count
/// as now. State is fixed-size whatever the traffic.
/// </summary>
[GenerateSerializer]
public sealed class PlayWindows
{
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);
    public static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private const int Minutes = 60;
    private const int Hours = 168;

    [Id(0)] private readonly long[] _minuteKeys = new long[Minutes];
    [Id(1)] private readonly int[] _minutePlays = new int[Minutes];
    [Id(2)] private readonly int[] _minuteSkips = new int[Minutes];
    [Id(3)] private readonly long[] _hourKeys = new long[Hours];
    [Id(4)] private readonly int[] _hourPlays = new int[Hours];
    [Id(5)] private readonly int[] _hourSkips = new int[Hours];

    public void Add(DateTimeOffset ts, bool skip, DateTimeOffset now)
    {
        if (ts > now)
        {
            ts = now;
        }

        Add(_minuteKeys, _minutePlays, _minuteSkips, MinuteOf(ts), MinuteOf(now), skip);
        Add(_hourKeys, _hourPlays, _hourSkips, HourOf(ts), HourOf(now), skip);
    }

    /// <summary>Plays and skips in the window of length 1 h, 24 h or 7 d ending now.</summary>
    public (long Plays, long Skips) Count(TimeSpan window, DateTimeOffset now)
    {
        if (window == Hour)
        {
            return Sum(_minuteKeys, _minutePlays, _minuteSkips, MinuteOf(now), Minutes);
        }

        var hours = (int)window.TotalHours;
        if (window != Day && window != Week)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "Windows are 1 h, 24 h or 7 d.");
        }

        return Sum(_hourKeys, _hourPlays, _hourSkips, HourOf(now), hours);
    }

    private static void Add(long[] keys, int[] plays, int[] skips, long bucket, long nowBucket, bool skip)
    {
        // Key 0 (1970) marks an empty slot; no play is that old, and it is never inside a window.
        if (bucket <= nowBucket - keys.Length)
        {
            return;
        }

        var slot = (int)(bucket % keys.Length);
        if (keys[slot] != bucket)
        {
            // The slot holds a bucket a whole ring ago, already outside every window.
            keys[slot] = bucket;
            plays[slot] = 0;
            skips[slot] = 0;
        }

        plays[slot]++;
        if (skip)
        {
            skips[slot]++;
        }
    }

    private static (long, long) Sum(long[] keys, int[] plays, int[] skips, long nowBucket, int width)
    {
        long p = 0, s = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] > nowBucket - width && keys[i] <= nowBucket)
            {
                p += plays[i];
                s += skips[i];
            }
        }

        return (p, s);
    }

    private static long MinuteOf(DateTimeOffset ts) => ts.ToUnixTimeSeconds() / 60;

    private static long HourOf(DateTimeOffset ts) => ts.ToUnixTimeSeconds() / 3600;
}
