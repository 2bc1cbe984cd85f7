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
/// Candidates for a listener as the recommender would build them at an earlier moment, for training
/// and evaluating the ranker.
/// </summary>
/// <param name="Excluded">What the listener had heard by then (left out, as the recommender leaves out what was heard).</param>
/// <param name="RecentTrackIds">The listener's recent distinct plays by then, newest first (the sources of track neighbours and co-listens).</param>
/// <param name="At">The moment of the request (hour-of-day feature).</param>
/// <param name="ListenerPlays">The listener's play count by then.</param>
[GenerateSerializer, Immutable]
public sealed record CandidateRequest(
    [property: Id(0)] string UserId,
    [property: Id(1)] string[] Excluded,
    [property: Id(2)] string[] RecentTrackIds,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] long ListenerPlays);

/// <summary>Candidates with their feature vectors (<c>CandidateFeatures</c>) and heuristic scores, in one order.</summary>
[GenerateSerializer, Immutable]
public sealed record CandidateSet(
    [property: Id(0)] string[] TrackIds,
    [property: Id(1)] float[][] Features,
    [property: Id(2)] double[] HeuristicScores);
