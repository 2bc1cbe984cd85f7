using Encore.Catalog;
using Encore.Users;

namespace Encore.Ranking;

/// <summary>
/// Training groups from the live system: a <see cref="TrainingSnapshot"/> (the candidates and their
/// features as the recommender built them just before a play, the cut-off T) labelled by what the
/// listener did in (T, T + <see cref="LabelWindow"/>], read from the listener's recent history: per
/// candidate the best of <see cref="Completed"/>, <see cref="Played"/>, <see cref="ArtistDiscovered"/>,
/// <see cref="Skipped"/>, or 0.
/// </summary>
public static class TrainingData
{
    /// <summary>Plays this long after the cut-off (event time) label its snapshot.</summary>
    public static readonly TimeSpan LabelWindow = TimeSpan.FromDays(1);

    /// <summary>
    /// The group of <paramref name="snapshot"/>, or <c>null</c> when nothing labels it yet (no play since)
    /// or no more (the listener's recent history no longer reaches back to the cut-off).
    /// </summary>
    /// <param name="profile">The listener now; its recent plays are newest first.</param>
    public static TrainingGroup? Label(TrainingSnapshot snapshot, UserProfile profile, TrackCatalog catalog)
    {
        // The snapshot came before the play that made the count PlaysBefore + 1, so the newest
        // `since` plays of the history are the cut-off's play and everything after it.
        var since = profile.Plays - snapshot.PlaysBefore;
        if (since <= 0 || since > profile.RecentTracks.Length)
        {
            return null;
        }

        var end = snapshot.At + LabelWindow;
        var after = profile.RecentTracks.Take((int)since).Where(p => p.Ts <= end).ToArray();
        var grades = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var play in after)
        {
            grades[play.TrackId] = Math.Max(grades.GetValueOrDefault(play.TrackId), Grade(play, catalog));
        }

        // Artists the listener discovered after the cut-off: played past 30 s then, none of their
        // tracks heard before. Their other tracks get a grade of their own, below the tracks played,
        // so the model also learns which new artists a listener turns to.
        var heard = snapshot.Heard.ToHashSet(StringComparer.Ordinal);
        var heardArtists = heard.Select(catalog.PrimaryArtistOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var discovered = grades.Where(g => g.Value >= Played).Select(g => catalog.PrimaryArtistOf(g.Key)).OfType<string>()
            .Where(a => !heardArtists.Contains(a)).ToHashSet(StringComparer.Ordinal);

        var candidates = snapshot.Candidates;
        return new TrainingGroup(
            snapshot.UserId,
            candidates.TrackIds,
            candidates.Features,
            candidates.HeuristicScores,
            [.. candidates.TrackIds.Select(t => grades.TryGetValue(t, out var grade) ? grade : catalog.PrimaryArtistOf(t) is { } artist && discovered.Contains(artist) ? ArtistDiscovered : 0)],
            grades.Where(g => g.Value >= Played && !heard.Contains(g.Key)).Select(g => g.Key).ToHashSet(StringComparer.Ordinal),
            snapshot.At,
            after.Select(p => p.Ts).DefaultIfEmpty(snapshot.At).Max());
    }

    /// <summary>Completed: at least 80 % of the track heard.</summary>
    public const float Completed = 4;

    /// <summary>Played past 30 s (not completed).</summary>
    public const float Played = 3;

    /// <summary>Not played, but by an artist the listener discovered after the cut-off.</summary>
    public const float ArtistDiscovered = 2;

    public const float Skipped = 1;

    /// <summary>The grade of one play: <see cref="Completed"/>, <see cref="Played"/> or <see cref="Skipped"/>.</summary>
    public static float Grade(RecentPlay play, TrackCatalog catalog)
    {
        var duration = catalog.TryGet(play.TrackId, out var track) ? track.DurationMs : 0;
        if (duration > 0 && play.MsPlayed >= 0.8 * duration)
        {
            return Completed;
        }

        return play.Skipped ? Skipped : Played;
    }
}
