namespace Encore.Tracks;

/// <summary>
/// A track's catalog fields and live statistics, assembled on request: the statistics live in the
/// track's <see cref="Similarity.ICoOccurrenceBucketGrain"/>, fed with one delta per bucket and
/// partition batch. A stateless worker, so reading a track activates nothing per track.
/// </summary>
public interface ITrackGrain : IGrainWithStringKey
{
    /// <summary>Catalog fields and live statistics, or <c>null</c> for an id not in the catalog.</summary>
    Task<TrackView?> GetAsync();
}

/// <summary>One counted play of the track.</summary>
/// <param name="ListenerHash">A stable 64-bit hash of the userId, for the unique-listener sketch.</param>
[GenerateSerializer, Immutable]
public readonly record struct TrackPlay(
    [property: Id(0)] long Offset,
    [property: Id(1)] ulong ListenerHash,
    [property: Id(2)] DateTimeOffset Ts,
    [property: Id(3)] long MsPlayed,
    [property: Id(4)] bool Skip);

/// <summary>The track was played in one session together with <paramref name="OtherTrackId"/> (the play at <paramref name="Offset"/>).</summary>
[GenerateSerializer, Immutable]
public readonly record struct CoListenHit(
    [property: Id(0)] long Offset,
    [property: Id(1)] string OtherTrackId,
    [property: Id(2)] DateTimeOffset Ts);

/// <summary>A snapshot of one track's windowed plays; a higher <paramref name="Version"/> replaces a lower one.</summary>
/// <param name="Version">The track's count of applied plays: grows with every change.</param>
/// <param name="AsOf">Event time of the newest play the snapshot includes.</param>
[GenerateSerializer, Immutable]
public sealed record TrendingEntry(
    [property: Id(0)] string TrackId,
    [property: Id(1)] long WindowPlays,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset AsOf)
{
    /// <summary>
    /// The track's catalog genres, given by the bucket that made the entry, so that the partition grain
    /// sending it to each genre's trending grain need not look the track up by id again (that lookup was
    /// over a percent of a cold pass's samples, docs/performance.md). Never sent: null in an entry read
    /// back from a message, whose receiver looks the genres up itself.
    /// </summary>
    [field: NonSerialized]
    public string[]? Genres { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record CoListen(
    [property: Id(0)] string TrackId,
    [property: Id(1)] double Score);

/// <summary>Catalog fields of a track plus its live statistics: the answer of <c>GET /api/tracks/{trackId}</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record TrackView
{
    [Id(0)] public required string TrackId { get; init; }
    [Id(1)] public required string TrackName { get; init; }
    [Id(2)] public required string AlbumName { get; init; }
    [Id(3)] public required string[] Artists { get; init; }
    [Id(4)] public required string[] Genres { get; init; }
    [Id(5)] public int Popularity { get; init; }
    [Id(6)] public int DurationMs { get; init; }
    [Id(7)] public bool Explicit { get; init; }
    [Id(8)] public required AudioFeatures Features { get; init; }
    [Id(9)] public long Plays { get; init; }
    [Id(10)] public long Skips { get; init; }
    [Id(11)] public long Plays1h { get; init; }
    [Id(12)] public long Plays24h { get; init; }
    [Id(13)] public long Plays7d { get; init; }
    [Id(14)] public long Skips1h { get; init; }
    [Id(15)] public long Skips24h { get; init; }
    [Id(16)] public long Skips7d { get; init; }
    [Id(17)] public double CompletionRate { get; init; }
    [Id(18)] public long UniqueListeners { get; init; }
    [Id(19)] public required CoListen[] CoListened { get; init; }
    [Id(20)] public DateTimeOffset? LastPlayTs { get; init; }

    /// <summary>How many times the track entered a listener's recent history.</summary>
    [Id(21)] public long Occurrences { get; init; }

    /// <summary>Tracks whose listeners' histories overlap most with this one's, strongest first.</summary>
    [Id(22)] public Similarity.Neighbour[] Similar { get; init; } = [];
}

/// <summary>Spotify's raw audio features of a track.</summary>
[GenerateSerializer, Immutable]
public sealed record AudioFeatures
{
    [Id(0)] public float Danceability { get; init; }
    [Id(1)] public float Energy { get; init; }
    [Id(2)] public int Key { get; init; }
    [Id(3)] public float Loudness { get; init; }
    [Id(4)] public int Mode { get; init; }
    [Id(5)] public float Speechiness { get; init; }
    [Id(6)] public float Acousticness { get; init; }
    [Id(7)] public float Instrumentalness { get; init; }
    [Id(8)] public float Liveness { get; init; }
    [Id(9)] public float Valence { get; init; }
    [Id(10)] public float Tempo { get; init; }
    [Id(11)] public int TimeSignature { get; init; }
}
