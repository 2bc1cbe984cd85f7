namespace Encore.Simulation;

/// <summary>
/// The hidden taste of one simulated listener: what the recommender is supposed to discover from
/// the plays alone. Exposed for tests and evaluation, never sent anywhere.
/// </summary>
public sealed class UserTaste
{
    public required string UserId { get; init; }

    /// <summary>A Bogus name, for display only.</summary>
    public required string DisplayName { get; init; }

    /// <summary>1-4 favourite genres, the strongest first.</summary>
    public required IReadOnlyList<string> Genres { get; init; }

    /// <summary>The share of in-taste plays drawn from each of <see cref="Genres"/> (sums to 1).</summary>
    public required IReadOnlyList<double> GenreWeights { get; init; }

    /// <summary>Preferred point in the catalog's standardized audio-feature space.</summary>
    public required IReadOnlyList<float> Preference { get; init; }

    /// <summary>Added to the log-odds of every skip: above 0 skips more than the average listener.</summary>
    public required double Pickiness { get; init; }

    /// <summary>Multiplies the settings' sessions per day.</summary>
    public required double Activity { get; init; }

    /// <summary>Local hours (0-23) around which this listener is most active.</summary>
    public required IReadOnlyList<int> PeakHours { get; init; }

    public required string Country { get; init; }

    /// <summary>Hours to add to UTC for the listener's local time.</summary>
    public required int UtcOffsetHours { get; init; }

    /// <summary>The platform most sessions use.</summary>
    public required string Platform { get; init; }

    /// <summary>Probability that a session is played on shuffle.</summary>
    public required double ShuffleShare { get; init; }

    /// <summary>The weight of a genre in this taste relative to the strongest one: 1 for the top genre, 0 for a genre outside it.</summary>
    public double AffinityFor(string genre)
    {
        for (var i = 0; i < Genres.Count; i++)
        {
            if (Genres[i] == genre)
            {
                return GenreWeights[i] / GenreWeights[0];
            }
        }

        return 0;
    }
}
