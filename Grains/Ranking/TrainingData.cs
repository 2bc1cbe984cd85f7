using Encore.Catalog;
using Encore.Recommendations;
using Encore.Users;

namespace Encore.Ranking;

/// <summary>
/// Training groups from the live system: a listener's history from the user grain (its last 64 plays),
/// a cut-off T with the last <see cref="AfterShare"/> of those plays after it, candidates from the
/// recommendation grain as of T, each labelled by what the listener did with it after T.
/// </summary>
/// <remarks>
/// The simplification, and the leakage it allows: candidates come from what the grains hold now, not
/// at T. The listener's recent plays and what they had heard are taken as of T (so the later plays
/// are neither sources nor excluded), but the artist affinities include the later plays, and the
/// neighbour and co-listen lists of every track and artist were learned from histories that include
/// them. A track played after T is therefore likelier to be a candidate, and to score high on the
/// collaborative sources, than it was at T. The model and the heuristic are measured on the same
/// groups, so the gate compares like with like, but absolute figures are optimistic; `encore evaluate`
/// (a listener's later plays never reach the system) is the honest measure.
/// </remarks>
public static class TrainingData
{
    public const double AfterShare = 0.2;
    public const int MinHistory = 10;
    private const int RecentSources = 20;

    /// <summary>The group of <paramref name="userId"/>, or <c>null</c> when the listener has too short a history.</summary>
    public static async Task<TrainingGroup?> BuildAsync(IGrainFactory grains, TrackCatalog catalog, string userId)
    {
        var profile = await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
        if (profile is null || profile.RecentTracks.Length < MinHistory)
        {
            return null;
        }

        var history = profile.RecentTracks.Reverse().ToArray();
        var cut = history.Length - Math.Max(1, (int)Math.Round(history.Length * AfterShare));
        var before = history[..cut];
        var after = history[cut..];
        var heard = before.Select(p => p.TrackId).ToHashSet(StringComparer.Ordinal);
        var recent = before.Reverse().Select(p => p.TrackId).Distinct(StringComparer.Ordinal).Take(RecentSources).ToArray();
        var set = await grains.GetGrain<IRecommendationGrain>(0).GetCandidatesAsync(
            new CandidateRequest(userId, [.. heard], recent, after[0].Ts, profile.Plays - after.Length));

        var grades = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var play in after)
        {
            var grade = Grade(play, catalog);
            grades[play.TrackId] = Math.Max(grades.GetValueOrDefault(play.TrackId), grade);
        }

        return new TrainingGroup(
            userId,
            set.TrackIds,
            set.Features,
            set.HeuristicScores,
            [.. set.TrackIds.Select(t => grades.GetValueOrDefault(t))],
            grades.Where(g => g.Value >= 2 && !heard.Contains(g.Key)).Select(g => g.Key).ToHashSet(StringComparer.Ordinal),
            history[0].Ts,
            history[^1].Ts);
    }

    /// <summary>3 completed (≥ 80 % of the track), 2 played past 30 s, 1 skipped.</summary>
    public static float Grade(RecentPlay play, TrackCatalog catalog)
    {
        var duration = catalog.TryGet(play.TrackId, out var track) ? track.DurationMs : 0;
        if (duration > 0 && play.MsPlayed >= 0.8 * duration)
        {
            return 3;
        }

        return play.Skipped ? 1 : 2;
    }
}
