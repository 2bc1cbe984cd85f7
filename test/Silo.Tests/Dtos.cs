namespace Encore.Silo.Tests;

// The API's JSON, read back as a client sees it (the README's "HTTP API").
public sealed record RecommendationsDto(string UserId, string ModelVersion, RecommendedDto[] Items);

public sealed record RecommendedDto(string TrackId, string TrackName, string[] Artists, string[] Genres, double Score, string[] Reasons);

public sealed record UserDto(string UserId, long Plays, long Skips, long DuplicatesDropped, RecentDto[] RecentTracks, DateTimeOffset? LastEventTs);

public sealed record RecentDto(string TrackId, string TrackName, DateTimeOffset Ts, bool Skipped);

public sealed record TrackDto(string TrackId, string TrackName, string[] Artists, string[] Genres, int DurationMs, long Plays, long Skips, long Plays1h, long Plays24h, long Plays7d, double CompletionRate, CoListenDto[] CoListened);

public sealed record CoListenDto(string TrackId, double Score);

public sealed record TrendingDto(string Genre, TrendingItemDto[] Items);

public sealed record TrendingItemDto(string TrackId, string TrackName, long Plays);

public sealed record StatsDto(long EventsProcessed, long EventsRejected, long DuplicatesDropped, double EventsPerSecond, PartitionDto[] Partitions, int Silos);

public sealed record PartitionDto(int Partition, long CommittedOffset, long Lag);

public sealed record ProblemDto(int Status, string Title, string? Detail, EventErrorDto[]? Errors, int[]? Produced = null, PublishFailureDto[]? Failed = null);

public sealed record PublishFailureDto(int Index, string EventId, string Reason, bool PossiblyProduced);

public sealed record EventErrorDto(int Index, string? EventId, string Reason);

public sealed record AcceptedDto(int Accepted);

internal sealed record ModelsDto(string? Active, ModelDto[] Versions);

internal sealed record ModelDto(string Version, DateTimeOffset TrainedAt, Dictionary<string, double> Metrics, string Status, string? Note);

internal sealed record TrainDto(string Version);

public sealed record HealthDto(string Status, HealthCheckDto[] Checks);

public sealed record HealthCheckDto(string Name, string Status, string? Description, double DurationMs);

public sealed record LatencyDto(int WindowSeconds, int Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

public sealed record UserTasteDto(string UserId, long Plays, AffinityDto[] TopGenres, AffinityDto[] TopArtists);

public sealed record AffinityDto(string Name, double Score);
