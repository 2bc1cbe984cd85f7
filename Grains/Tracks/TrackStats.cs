using Encore.Features;

namespace Encore.Tracks;

/// <summary>
/// One track's play statistics: counts, fixed-size event-time windows and a unique-listener sketch. Kept
/// in the track's co-occurrence bucket (<see cref="Similarity.CoOccurrenceBucketState"/>), which applies
/// each play once.
/// </summary>
[GenerateSerializer]
public sealed class TrackStats
{
    [Id(0)] public long Plays { get; set; }
    [Id(1)] public long Skips { get; set; }
    [Id(2)] public double CompletionSum { get; set; }
    [Id(3)] public PlayWindows Windows { get; set; } = new();
    [Id(4)] public HyperLogLog Listeners { get; set; } = new();
    [Id(5)] public DateTimeOffset? LastPlayTs { get; set; }

    /// <param name="durationMs">The catalog duration, 0 when unknown (the play then completes nothing).</param>
    public void Add(TrackPlay play, int durationMs, DateTimeOffset now)
    {
        Plays++;
        Skips += play.Skip ? 1 : 0;
        CompletionSum += durationMs <= 0 ? 0 : Math.Min(1.0, (double)play.MsPlayed / durationMs);
        Windows.Add(play.Ts, play.Skip, now);
        Listeners.Add(play.ListenerHash);
        if (LastPlayTs is null || play.Ts > LastPlayTs)
        {
            LastPlayTs = play.Ts;
        }
    }

    /// <summary>The track's 24-hour plays for the trending grains; its all-time plays version the entry.</summary>
    /// <param name="genres">The track's catalog genres, carried in memory only (<see cref="TrendingEntry.Genres"/>).</param>
    public TrendingEntry TrendingOf(string trackId, DateTimeOffset now, string[]? genres = null) =>
        new(trackId, Windows.Count(PlayWindows.Day, now).Plays, Plays, LastPlayTs ?? now) { Genres = genres };

    /// <summary>The answer of <c>GET /api/tracks/{trackId}</c>: the catalog's fields and these statistics.</summary>
    /// <param name="stats">The track's statistics; <c>null</c> for a track never played.</param>
    public static TrackView ViewOf(Catalog.Track t, TrackStats? stats, DateTimeOffset now, Similarity.ItemNeighbours similar, CoListen[] coListened)
    {
        stats ??= new TrackStats();
        var hour = stats.Windows.Count(PlayWindows.Hour, now);
        var day = stats.Windows.Count(PlayWindows.Day, now);
        var week = stats.Windows.Count(PlayWindows.Week, now);
        return new TrackView
        {
            TrackId = t.TrackId,
            TrackName = t.TrackName,
            AlbumName = t.AlbumName,
            Artists = t.Artists,
            Genres = t.Genres,
            Popularity = t.Popularity,
            DurationMs = t.DurationMs,
            Explicit = t.Explicit,
            Features = new AudioFeatures
            {
                Danceability = t.Danceability,
                Energy = t.Energy,
                Key = t.Key,
                Loudness = t.Loudness,
                Mode = t.Mode,
                Speechiness = t.Speechiness,
                Acousticness = t.Acousticness,
                Instrumentalness = t.Instrumentalness,
                Liveness = t.Liveness,
                Valence = t.Valence,
                Tempo = t.Tempo,
                TimeSignature = t.TimeSignature,
            },
            Plays = stats.Plays,
            Skips = stats.Skips,
            Plays1h = hour.Plays,
            Plays24h = day.Plays,
            Plays7d = week.Plays,
            Skips1h = hour.Skips,
            Skips24h = day.Skips,
            Skips7d = week.Skips,
            CompletionRate = stats.Plays == 0 ? 0 : Math.Round(stats.CompletionSum / stats.Plays, 4),
            UniqueListeners = stats.Listeners.Estimate(),
            CoListened = coListened,
            LastPlayTs = stats.LastPlayTs,
            Occurrences = similar.Occurrences,
            Similar = similar.Neighbours,
        };
    }
}
