using Encore.Events;
using Encore.Pipeline;
using Orleans.Concurrency;

namespace Encore.Users;

/// <summary>
/// A listener's features, read by userId: profile and taste. It holds nothing: the features live in the
/// listener's <see cref="IUserBucketGrain"/>, which answers for it.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The profile, or <c>null</c> for a user never seen.</summary>
    Task<UserProfile?> GetProfileAsync();

    /// <summary>What the recommender needs; <c>null</c> for a user never seen.</summary>
    Task<UserTaste?> GetTasteAsync();
}

/// <summary>
/// One per bucket of listeners, keyed on the bucket's number (a stable hash of the userId): each
/// listener's play and skip counts, recent history, genre and artist affinities, a decayed taste vector
/// over standardized audio features and the session context. Each listener's state is stored on its
/// own, under the listener's id, so a bucket reads and writes only the listeners it touches. A listener
/// sees its events in partition order, so a per-partition applied-offset watermark per listener is
/// enough to drop replays; a bounded ring of recent eventIds drops producer resends that got a new offset.
/// </summary>
public interface IUserBucketGrain : IFeatureGrain
{
    /// <summary>
    /// Applies its listeners' events of one batch of one partition (each listener's in offset order).
    /// Events at or below a listener's watermark are replays: they change nothing but are reported again
    /// in <see cref="UserOutcome.Counted"/> when they counted the first time, so that a bucket or count
    /// grain that lost them still gets them.
    /// </summary>
    Task<UserBucketResult> ApplyAsync(UserBucketBatch batch);

    // Reads interleave with applies, so that a request never queues behind a partition's batches: they change
    // no listener's features, and an apply changes them only between its awaits, never across one.
    /// <summary>The profile of <paramref name="userId"/>, or <c>null</c> for a user never seen.</summary>
    [AlwaysInterleave]
    Task<UserProfile?> GetProfileAsync(string userId);

    /// <summary>What the recommender needs of <paramref name="userId"/>; <c>null</c> for a user never seen.</summary>
    [AlwaysInterleave]
    Task<UserTaste?> GetTasteAsync(string userId);
}

/// <summary>The events of one batch, all of <paramref name="Partition"/>, for the listeners of one bucket.</summary>
/// <param name="ExpectedActivation">
/// The grain activation the sender fed last and that may still hold effects only in memory (empty when
/// none): another activation refuses the batch, because it lost them and must get them back by a replay
/// before anything newer moves its watermark past them.
/// </param>
[GenerateSerializer, Immutable]
public sealed record UserBucketBatch(
    [property: Id(0)] int Partition,
    [property: Id(1)] UserEvents[] Users,
    [property: Id(2)] Guid ExpectedActivation = default);

/// <summary>One listener's events of a batch, in offset order.</summary>
[GenerateSerializer, Immutable]
public sealed record UserEvents([property: Id(0)] string UserId, [property: Id(1)] PartitionEvent[] Events);

/// <summary>What a user bucket did with a batch.</summary>
/// <param name="Users">What each listener of the batch did with its events.</param>
/// <param name="DurableNextOffset">The bucket's effects of every offset of the partition below this are durable.</param>
/// <param name="Activation">Identifies the activation that answered (see <see cref="Pipeline.DurableOffset"/>).</param>
/// <param name="ItemNumbering">
/// The numbering of the partners' <see cref="Partner.Number"/>s (the answering process's); 0 when they
/// carry none. A caller of another numbering reads the names.
/// </param>
[GenerateSerializer, Immutable]
public sealed record UserBucketResult(
    [property: Id(0)] UserOutcome[] Users,
    [property: Id(1)] long DurableNextOffset,
    [property: Id(2)] Guid Activation,
    [property: Id(3)] long ItemNumbering = 0);

/// <summary>What one listener did with its events of a batch.</summary>
/// <param name="Counted">Events that count (first occurrences, whether applied now or earlier), with their session context.</param>
/// <param name="Applied">Events applied for the first time by this call.</param>
/// <param name="Duplicates">Events dropped by this call as resends of an eventId already counted.</param>
/// <param name="Replays">Events at or below the partition watermark (already seen).</param>
/// <param name="Snapshots">The listener as they were just before each play sampled for a training snapshot (null when none was).</param>
[GenerateSerializer, Immutable]
public sealed record UserOutcome(
    [property: Id(0)] string UserId,
    [property: Id(1)] CountedPlay[] Counted,
    [property: Id(2)] int Applied,
    [property: Id(3)] int Duplicates,
    [property: Id(4)] int Replays,
    [property: Id(5)] SnapshotRequest[]? Snapshots = null);

/// <summary>A play sampled for a training snapshot: the listener as they were just before it, and its event time.</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotRequest([property: Id(0)] UserTaste Taste, [property: Id(1)] DateTimeOffset At);

/// <summary>A counted play as the co-occurrence buckets and count grains need it.</summary>
/// <param name="SessionPrior">Distinct tracks the user played just before in the same session (co-listens).</param>
/// <param name="History">How the play changed the listener's recent history: the collaborative signal.</param>
/// <param name="TrackNumber">
/// The track's number in the answering process, -1 for a track outside its catalog; read, like
/// <see cref="ArtistNumber"/>, only in a result of the caller's numbering (<see cref="UserBucketResult.ItemNumbering"/>).
/// The user bucket finds both with the catalog entry it looks up anyway, so the partition grain need
/// not look the track up again for its own bucket and its artist.
/// </param>
/// <param name="ArtistNumber">The number of the track's primary artist, -1 when it has none or is outside the catalog.</param>
[GenerateSerializer, Immutable]
public sealed record CountedPlay(
    [property: Id(0)] long Offset,
    [property: Id(1)] string TrackId,
    [property: Id(2)] DateTimeOffset Ts,
    [property: Id(3)] long MsPlayed,
    [property: Id(4)] bool Skip,
    [property: Id(5)] string[] SessionPrior,
    [property: Id(6)] HistoryContext? History = null,
    [property: Id(7)] int TrackNumber = -1,
    [property: Id(8)] int ArtistNumber = -1);

/// <summary>
/// What a play brought into the listener's recent history (the plays before it, bounded in number and
/// age): whether its track and which of its artists were new there, and the other tracks and artists
/// that were there, each weighted by how close in time (see <see cref="Similarity.CoOccurrenceWeights"/>).
/// A play of a track already in the history brings nothing new and has no partners.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HistoryContext(
    [property: Id(0)] bool NewTrack,
    [property: Id(1)] Partner[] TrackPartners,
    [property: Id(2)] string[] NewArtists,
    [property: Id(3)] Partner[] ArtistPartners);

/// <param name="Number">
/// The partner's number in the answering process, read only in a result of the caller's numbering
/// (<see cref="UserBucketResult.ItemNumbering"/>): the user bucket finds it with the catalog entry it
/// looks up anyway, and the partition grain need not look the name up again.
/// </param>
[GenerateSerializer, Immutable]
public readonly record struct Partner([property: Id(0)] string Id, [property: Id(1)] int Weight, [property: Id(2)] int Number = 0);

[GenerateSerializer, Immutable]
public sealed record UserProfile
{
    [Id(0)] public required string UserId { get; init; }
    [Id(1)] public long Plays { get; init; }
    [Id(2)] public long Skips { get; init; }
    [Id(3)] public double SkipRate { get; init; }
    [Id(4)] public double CompletionRate { get; init; }
    [Id(5)] public long DuplicatesDropped { get; init; }
    [Id(6)] public required Affinity[] TopGenres { get; init; }
    [Id(7)] public required Affinity[] TopArtists { get; init; }

    /// <summary>Newest first.</summary>
    [Id(8)] public required RecentPlay[] RecentTracks { get; init; }
    [Id(9)] public DateTimeOffset? LastEventTs { get; init; }
    [Id(10)] public required SessionInfo Session { get; init; }

    /// <summary>The decayed taste vector over the catalog's standardized audio features.</summary>
    [Id(11)] public required float[] Taste { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record Affinity([property: Id(0)] string Name, [property: Id(1)] double Score);

[GenerateSerializer, Immutable]
public sealed record RecentPlay(
    [property: Id(0)] string TrackId,
    [property: Id(1)] string TrackName,
    [property: Id(2)] string[] Artists,
    [property: Id(3)] DateTimeOffset Ts,
    [property: Id(4)] long MsPlayed,
    [property: Id(5)] bool Skipped);

/// <summary>The user's current session: plays separated by at most the session gap, in event time.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionInfo(
    [property: Id(0)] DateTimeOffset? Start,
    [property: Id(1)] int Plays,
    [property: Id(2)] string[] RecentTrackIds);

/// <summary>A user's features as the recommender uses them.</summary>
/// <param name="Taste">Decayed mean of standardized audio features of completed plays; empty when none.</param>
/// <param name="RecentTrackIds">Newest first, distinct, at most 20.</param>
/// <param name="HeardTrackIds">Every distinct track of the recent history (what not to recommend again).</param>
/// <param name="Artists">Artist affinities, strongest first (every one the user grain keeps).</param>
/// <param name="History">The recent plays, newest first (what the ranker's session, recency and skip features read).</param>
/// <param name="SessionPlays">How many of the plays, newest first, are the current session's.</param>
[GenerateSerializer, Immutable]
public sealed record UserTaste(
    [property: Id(0)] string UserId,
    [property: Id(1)] long Plays,
    [property: Id(2)] float[] Taste,
    [property: Id(3)] string[] RecentTrackIds,
    [property: Id(4)] Affinity[] TopGenres,
    [property: Id(5)] Affinity[] TopArtists,
    [property: Id(6)] string[]? HeardTrackIds = null,
    [property: Id(7)] Affinity[]? Artists = null,
    [property: Id(8)] HistoryPlay[]? History = null,
    [property: Id(9)] int SessionPlays = 0);

/// <summary>One play of a listener's recent history.</summary>
[GenerateSerializer, Immutable]
public readonly record struct HistoryPlay(
    [property: Id(0)] string TrackId,
    [property: Id(1)] DateTimeOffset Ts,
    [property: Id(2)] bool Skip);
