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
