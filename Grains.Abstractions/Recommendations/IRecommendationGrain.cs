using Encore.Users;

namespace Encore.Recommendations;

/// <summary>
/// Scores candidate tracks for a user and returns the top N with reasons and the model version.
/// A stateless worker: it keeps nothing but caches, reads the user's features from the user grain and
/// runs wherever it is called, so recommendation load spreads over every silo.
/// </summary>
public interface IRecommendationGrain : IGrainWithIntegerKey
{
    /// <summary>Recommendations for <paramref name="userId"/>; a user never seen gets popular tracks spread over genres.</summary>
    Task<Recommendations> RecommendAsync(string userId, int count);

    /// <summary>The candidates the recommender would score for <paramref name="request"/>, with their features.</summary>
    Task<CandidateSet> GetCandidatesAsync(CandidateRequest request);
}

[GenerateSerializer, Immutable]
public sealed record Recommendations(
    [property: Id(0)] string UserId,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] RecommendedTrack[] Items);

[GenerateSerializer, Immutable]
public sealed record RecommendedTrack(
    [property: Id(0)] string TrackId,
    [property: Id(1)] string TrackName,
    [property: Id(2)] string[] Artists,
    [property: Id(3)] string[] Genres,
    [property: Id(4)] double Score,
    [property: Id(5)] string[] Reasons);

/// <summary>
/// Candidates for a listener as the recommender builds them now, for a listener described by
/// <paramref name="Listener"/> instead of by the user grain: the user grain itself asks, with what it
/// held just before a play (a training snapshot), so the request must not call it back.
/// </summary>
/// <param name="Listener">The listener as of the snapshot: heard tracks are left out, recent plays are the sources.</param>
/// <param name="At">The moment of the snapshot (hour-of-day feature).</param>
[GenerateSerializer, Immutable]
public sealed record CandidateRequest(
    [property: Id(0)] UserTaste Listener,
    [property: Id(1)] DateTimeOffset At);

/// <summary>Candidates with their feature vectors (<c>CandidateFeatures</c>) and heuristic scores, in one order.</summary>
[GenerateSerializer, Immutable]
public sealed record CandidateSet(
    [property: Id(0)] string[] TrackIds,
    [property: Id(1)] float[][] Features,
    [property: Id(2)] double[] HeuristicScores);
