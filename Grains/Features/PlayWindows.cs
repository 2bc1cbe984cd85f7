namespace Encore.Features;

/// <summary>
/// Plays and skips bucketed by event time: one-minute buckets for the last hour and one-hour buckets
/// for the last 24 hours and 7 days. A window is "the bucket that holds now and the ones just before
/// it" (1 h = this minute and the 59 before; 24 h = this hour and the 23 before; 7 d = this hour and
/// the 167 before), where now is the silo clock (<see cref="TimeProvider"/>) and each play sits in the
/// bucket of its own <c>ts</c>. A late play lands in its old bucket if that is still inside a window
/// and is left out of a window it is older than; plays stamped in the future (clock skew) count as now.
/// </summary>
/// <remarks>
/// Only non-empty buckets are kept, and buckets that slid out of every window are dropped on the next
/// play: at most 60 + 168 buckets for the busiest track, a handful for the long tail.
/// </remarks>
[GenerateSerializer]
public sealed class PlayWindows
{
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);
    public static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private const int MinuteBuckets = 60;
    private const int HourBuckets = 168;

    [Id(0)] private readonly List<Bucket> _minutes = [];
    [Id(1)] private readonly List<Bucket> _hours = [];

    public void Add(DateTimeOffset ts, bool skip, DateTimeOffset now)
    {
        if (ts > now)
        {
            ts = now;
        }

        Add(_minutes, MinuteOf(ts), MinuteOf(now), MinuteBuckets, skip);
        Add(_hours, HourOf(ts), HourOf(now), HourBuckets, skip);
    }

    /// <summary>Plays and skips in the window of length 1 h, 24 h or 7 d ending now.</summary>
    public (long Plays, long Skips) Count(TimeSpan window, DateTimeOffset now)
    {
        if (window == Hour)
        {
            return Sum(_minutes, MinuteOf(now), MinuteBuckets);
        }

        if (window != Day && window != Week)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "Windows are 1 h, 24 h or 7 d.");
        }

        return Sum(_hours, HourOf(now), (int)window.TotalHours);
    }

    // Loops rather than RemoveAll and FindIndex with lambdas: those allocate a closure per play, and
    // every play of every track comes through here.
    private static void Add(List<Bucket> buckets, int key, int nowKey, int width, bool skip)
    {
        var oldest = nowKey - width;
        for (var i = buckets.Count - 1; i >= 0; i--)
        {
            if (buckets[i].Key <= oldest)
            {
                buckets.RemoveAt(i);
            }
        }

        if (key <= oldest)
        {
            return;
        }

        var skips = skip ? 1 : 0;
        var index = -1;
        for (var i = 0; i < buckets.Count && index < 0; i++)
        {
            if (buckets[i].Key == key)
            {
                index = i;
            }
        }

        if (index < 0)
        {
            buckets.Add(new Bucket(key, 1, skips));
        }
        else
        {
            var b = buckets[index];
            buckets[index] = b with { Plays = b.Plays + 1, Skips = b.Skips + skips };
        }
    }

    private static (long, long) Sum(List<Bucket> buckets, int nowKey, int width)
    {
        long plays = 0, skips = 0;
        foreach (var b in buckets)
        {
            if (b.Key > nowKey - width && b.Key <= nowKey)
            {
                plays += b.Plays;
                skips += b.Skips;
            }
        }

        return (plays, skips);
    }

    // Minutes and hours since 1970 fit an int for millennia.
    private static int MinuteOf(DateTimeOffset ts) => (int)(ts.ToUnixTimeSeconds() / 60);

    private static int HourOf(DateTimeOffset ts) => (int)(ts.ToUnixTimeSeconds() / 3600);

    [GenerateSerializer, Immutable]
    public readonly record struct Bucket(
        [property: Id(0)] int Key,
        [property: Id(1)] int Plays,
        [property: Id(2)] int Skips);
}
