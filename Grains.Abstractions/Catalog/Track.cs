namespace Encore.Catalog;

/// <summary>
/// One track of the catalog: the Kaggle "Spotify Tracks Dataset" columns, with the
/// rows that share a track id merged into one track that lists every genre it was filed under.
/// </summary>
/// <remarks>
/// Audio features are Spotify's raw values (danceability 0-1, loudness in dB, tempo in BPM, ...); the
/// catalog keeps their standardized form separately for distance computations. The arrays are never
/// mutated after the catalog is built; equality of two tracks is by reference for them, so compare
/// tracks by <see cref="TrackId"/>.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record Track
{
    [Id(0)] public required string TrackId { get; init; }
    [Id(1)] public required string TrackName { get; init; }
    [Id(2)] public required string AlbumName { get; init; }

    /// <summary>Credited artists, in the order the dataset lists them (its ';'-separated column).</summary>
    [Id(3)] public required string[] Artists { get; init; }

    /// <summary>The artist the track is by (credited first); the others are guests. Null when none is credited.</summary>
    public string? PrimaryArtist => Artists.Length > 0 ? Artists[0] : null;

    /// <summary>Every genre the track was listed under, in first-seen order.</summary>
    [Id(4)] public required string[] Genres { get; init; }

    /// <summary>0-100, Spotify's popularity at the time the dataset was taken.</summary>
    [Id(5)] public int Popularity { get; init; }
    [Id(6)] public int DurationMs { get; init; }
    [Id(7)] public bool Explicit { get; init; }
    [Id(8)] public float Danceability { get; init; }
    [Id(9)] public float Energy { get; init; }

    /// <summary>Pitch class 0-11 (C, C♯, ... B), -1 when unknown.</summary>
    [Id(10)] public int Key { get; init; }
    [Id(11)] public float Loudness { get; init; }

    /// <summary>1 for major, 0 for minor.</summary>
    [Id(12)] public int Mode { get; init; }
    [Id(13)] public float Speechiness { get; init; }
    [Id(14)] public float Acousticness { get; init; }
    [Id(15)] public float Instrumentalness { get; init; }
    [Id(16)] public float Liveness { get; init; }
    [Id(17)] public float Valence { get; init; }
    [Id(18)] public float Tempo { get; init; }
    [Id(19)] public int TimeSignature { get; init; }
}
