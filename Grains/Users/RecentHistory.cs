using Encore.Catalog;
using Encore.Features;
using Encore.Similarity;

namespace Encore.Users;

/// <summary>
/// The collaborative signal a play gives (see <see cref="HistoryContext"/>), derived from the listener's
/// play history alone, so that a replayed play reproduces exactly what its first apply reported. The
/// history a play is compared with is the <see cref="LookBack"/> plays before it that were not skipped,
/// weighted by how far apart in event time: half the weight a week apart, none after five weeks.
/// Artists are tracks' primary artists only: a guest on one track says little about what its
/// listeners play, and counting guests made every artist's neighbours noisier (docs/recommendations.md).
/// </summary>
/// <remarks>
/// The user grain keeps <see cref="UserState.HistoryCapacity"/> plays, twice the look-back, so a replay
/// reproduces the context of any of the listener's last <see cref="UserState.HistoryCapacity"/> minus
/// <see cref="LookBack"/> plays exactly; an older play (a replay reaching that far back for one listener)
/// is re-reported without a context, as its session co-listens are.
/// </remarks>
public static class RecentHistory
{
    public const int LookBack = 32;

    /// <summary>Most recent distinct tracks a play is paired with: tracks are many, each pair costs a call.</summary>
    public const int TrackPartners = 10;

    /// <summary>Most recent distinct artists a play is paired with.</summary>
    public const int ArtistPartners = 32;

    public static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);

    // Scratch for the partners found, per thread: ContextAt runs for every play and never awaits, and
    // growing two lists per play was a tenth of what the pipeline allocated.
    [ThreadStatic] private static Partner[]? t_tracks;
    [ThreadStatic] private static Partner[]? t_artists;

    /// <summary>The context of the play at <paramref name="index"/>; <c>null</c> for a skip or a track not in the catalog.</summary>
    public static HistoryContext? ContextAt(IReadOnlyList<HistoryEntry> history, int index, TrackCatalog catalog) =>
        ContextAt(history, index, catalog, catalog.IndexOf(history[index].TrackId));

    /// <param name="at">The index in the catalog of the play's track, which the caller looked up already (-1: not there).</param>
    public static HistoryContext? ContextAt(IReadOnlyList<HistoryEntry> history, int index, TrackCatalog catalog, int at)
    {
        var play = history[index];
        if (play.Skip || at < 0)
        {
            return null;
        }

        var track = catalog.Tracks[at];
        var tracks = t_tracks ??= new Partner[TrackPartners];
        var artists = t_artists ??= new Partner[ArtistPartners];
        var trackCount = 0;
        var artistCount = 0;
        var trackSeen = false;
        var artistSeen = false;
        var (trackNumber, artistNumber) = catalog.NumbersOf(at);
        for (var i = index - 1; i >= 0 && i >= index - LookBack; i--)
        {
            var earlier = history[i];
            var weight = WeightOf(play.Ts - earlier.Ts);
            if (weight == 0 || earlier.Skip || !TryNumbersOf(earlier, catalog, out var numbers))
            {
                continue;
            }

            if (numbers.Track == trackNumber)
            {
                trackSeen = true;
            }
            else if (trackCount < TrackPartners && !Holds(tracks.AsSpan(0, trackCount), numbers.Track))
            {
                tracks[trackCount++] = new Partner(earlier.TrackId, weight, numbers.Track);
            }

            if (numbers.Artist < 0)
            {
                continue;
            }

            if (numbers.Artist == artistNumber)
            {
                artistSeen = true;
            }
            else if (artistCount < ArtistPartners && !Holds(artists.AsSpan(0, artistCount), numbers.Artist))
            {
                artists[artistCount++] = new Partner(ItemIds.NameOf(numbers.Artist), weight, numbers.Artist);
            }
        }

        string[] newArtists = artistSeen || track.PrimaryArtist is null ? [] : [track.PrimaryArtist];
        return new HistoryContext(
            NewTrack: !trackSeen,
            TrackPartners: trackSeen ? [] : tracks.AsSpan(0, trackCount).ToArray(),
            NewArtists: newArtists,
            ArtistPartners: newArtists.Length == 0 ? [] : artists.AsSpan(0, artistCount).ToArray());
    }

    /// <summary>The numbers the entry carries, or else the catalog's; false for a track not in the catalog.</summary>
    private static bool TryNumbersOf(HistoryEntry entry, TrackCatalog catalog, out (int Track, int Artist) numbers)
    {
        if (entry.TryGetNumbers(out numbers))
        {
            return true;
        }

        var at = catalog.IndexOf(entry.TrackId);
        numbers = at < 0 ? (-1, -1) : catalog.NumbersOf(at);
        return at >= 0;
    }

    /// <summary>By number: one name has one number in a process.</summary>
    private static bool Holds(ReadOnlySpan<Partner> partners, int number)
    {
        foreach (var partner in partners)
        {
            if (partner.Number == number)
            {
                return true;
            }
        }

        return false;
    }

    // LongestApart[w]: the most ticks apart at which two plays still weigh w or more (w from 1 to Full).
    private static readonly long[] LongestApart = LongestApartByWeight();

    /// <summary>
    /// Whole units of <see cref="CoOccurrenceWeights.Full"/>, halving every <see cref="HalfLife"/>: what
    /// <see cref="ExactWeightOf"/> gives, read off a table of where each weight ends rather than with a
    /// power per earlier play.
    /// </summary>
    public static int WeightOf(TimeSpan apart)
    {
        var ticks = apart.Duration().Ticks;
        var weight = CoOccurrenceWeights.Full;
        while (weight > 0 && ticks > LongestApart[weight])
        {
            weight--;
        }

        return weight;
    }

    /// <summary>The weight by its definition, which the table is built from.</summary>
    public static int ExactWeightOf(TimeSpan apart) =>
        (int)Math.Round(CoOccurrenceWeights.Full * Math.Pow(0.5, apart.Duration() / HalfLife), MidpointRounding.AwayFromZero);

    /// <summary>
    /// For each weight, the last tick at which <see cref="ExactWeightOf"/> still reaches it, found by
    /// bisection: the weight never grows with the time apart, so the table gives exactly its values.
    /// </summary>
    private static long[] LongestApartByWeight()
    {
        var longest = new long[CoOccurrenceWeights.Full + 1];
        longest[0] = long.MaxValue;
        for (var weight = 1; weight <= CoOccurrenceWeights.Full; weight++)
        {
            long reaches = 0, fallsShort = TimeSpan.MaxValue.Ticks;
            while (fallsShort - reaches > 1)
            {
                var middle = reaches + ((fallsShort - reaches) / 2);
                if (ExactWeightOf(TimeSpan.FromTicks(middle)) >= weight)
                {
                    reaches = middle;
                }
                else
                {
                    fallsShort = middle;
                }
            }

            longest[weight] = reaches;
        }

        return longest;
    }
}
