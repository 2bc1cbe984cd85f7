using System.Text.Json.Serialization;

namespace Encore.Events;

/// <summary>
/// One play of one track by one listener: the value of a message on the listening-event topic
/// (the README, "The listening event"). Field names follow Spotify's streaming-history export.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ListeningEvent
{
    [Id(0)] public required string EventId { get; init; }
    [Id(1)] public required string UserId { get; init; }
    [Id(2)] public required string TrackId { get; init; }

    /// <summary>When the play ended, UTC.</summary>
    [Id(3)] public required DateTimeOffset Ts { get; init; }

    [Id(4)] public required long MsPlayed { get; init; }
    [Id(5)] public string? ReasonStart { get; init; }
    [Id(6)] public string? ReasonEnd { get; init; }
    [Id(7)] public bool? Skipped { get; init; }
    [Id(8)] public bool? Shuffle { get; init; }
    [Id(9)] public string? Platform { get; init; }
    [Id(10)] public string? Country { get; init; }

    /// <summary>Plays shorter than this count as skips whatever the client reported.</summary>
    public const long SkipThresholdMs = 30_000;

    /// <summary>A play is a skip when the client says so or when it lasted under 30 s.</summary>
    [JsonIgnore]
    public bool IsSkip => Skipped == true || MsPlayed < SkipThresholdMs;

    /// <summary>Share of the track that was heard, capped at 1.</summary>
    public double CompletionOf(int durationMs) =>
        durationMs <= 0 ? 0 : Math.Min(1.0, (double)MsPlayed / durationMs);
}
