using Encore.Catalog;
using Encore.Events;
using Encore.Features;
using Encore.Grains.Tests.Cluster;
using Encore.Similarity;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Encore.Grains.Tests.Similarity;

public sealed class RecentHistoryTests
{
    private static readonly TrackCatalog Catalog = TestCatalogs.Synthetic;
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Tracks whose artists are all different, so that every play brings new artists.</summary>
    private static readonly Track[] Distinct = DistinctArtistTracks(40);

    [Fact]
    public void AFirstPlayIsNewAndHasNoPartners()
    {
        var context = RecentHistory.ContextAt([Entry(Distinct[0], Start)], 0, Catalog);

        Assert.NotNull(context);
        Assert.True(context.NewTrack);
        Assert.Empty(context.TrackPartners);
        Assert.Equal([Distinct[0].PrimaryArtist!], context.NewArtists);
        Assert.Empty(context.ArtistPartners);
    }

    [Fact]
    public void APlayIsPairedWithTheEarlierHistoryNewestFirstWeightedByTimeApart()
    {
        // Two hours apart is another session; a week apart halves the weight.
        HistoryEntry[] history =
        [
            Entry(Distinct[0], Start),
            Entry(Distinct[1], Start.AddDays(6)),
            Entry(Distinct[2], Start.AddDays(7).AddHours(-2)),
            Entry(Distinct[3], Start.AddDays(7)),
        ];

        var context = RecentHistory.ContextAt(history, 3, Catalog)!;

        Assert.Equal([Numbered(Distinct[2].TrackId, 16), Numbered(Distinct[1].TrackId, 14), Numbered(Distinct[0].TrackId, 8)], context.TrackPartners);
        Assert.Equal(
            [Numbered(Distinct[2].PrimaryArtist!, 16), Numbered(Distinct[1].PrimaryArtist!, 14), Numbered(Distinct[0].PrimaryArtist!, 8)],
            context.ArtistPartners);
        Assert.Equal([Distinct[3].PrimaryArtist!], context.NewArtists);
    }

    [Fact]
    public void OnlyPrimaryArtistsOccurAndPairGuestsNeither()
    {
        // A track with guests, then a track by one of its guests: the guest was not heard as an artist
        // before, so it occurs now, paired with the first track's primary artist only.
        var featuring = Catalog.Tracks.First(t => t.Artists.Length >= 2);
        var byGuest = Catalog.Tracks.First(t => t.PrimaryArtist == featuring.Artists[1]);
        HistoryEntry[] history = [Entry(featuring, Start), Entry(byGuest, Start.AddMinutes(4))];

        var first = RecentHistory.ContextAt(history, 0, Catalog)!;
        var second = RecentHistory.ContextAt(history, 1, Catalog)!;

        Assert.Equal([featuring.PrimaryArtist!], first.NewArtists);
        Assert.Equal([featuring.Artists[1]], second.NewArtists);
        Assert.Equal([Numbered(featuring.PrimaryArtist!, 16)], second.ArtistPartners);
    }

    [Fact]
    public void ATrackAlreadyInTheHistoryBringsNothingNew()
    {
        HistoryEntry[] history = [Entry(Distinct[0], Start), Entry(Distinct[1], Start.AddMinutes(4)), Entry(Distinct[0], Start.AddMinutes(8))];

        var context = RecentHistory.ContextAt(history, 2, Catalog)!;

        Assert.False(context.NewTrack);
        Assert.Empty(context.TrackPartners);
        Assert.Empty(context.NewArtists);
        Assert.Empty(context.ArtistPartners);
    }

    [Fact]
    public void SkipsAreNeitherOccurrencesNorPartners()
    {
        HistoryEntry[] history = [Entry(Distinct[0], Start, skip: true), Entry(Distinct[1], Start.AddMinutes(4)), Entry(Distinct[2], Start.AddMinutes(5), skip: true)];

        Assert.Null(RecentHistory.ContextAt(history, 2, Catalog));
        var context = RecentHistory.ContextAt(history, 1, Catalog)!;
        Assert.True(context.NewTrack);
        Assert.Empty(context.TrackPartners);
    }

    [Fact]
    public void PlaysMoreThanFiveWeeksApartOrBeyondTheLookBackAreNotPartners()
    {
        var history = new List<HistoryEntry> { Entry(Distinct[0], Start), Entry(Distinct[1], Start.AddDays(30)) };
        history.Add(Entry(Distinct[2], Start.AddDays(36)));
        var context = RecentHistory.ContextAt(history, 2, Catalog)!;
        Assert.Equal([Distinct[1].TrackId], context.TrackPartners.Select(p => p.Id));

        // Skipped plays fill the look-back: the first play is just in reach, then just out of it.
        Assert.Equal([Distinct[0].TrackId], PartnersAfterSkips(RecentHistory.LookBack - 1));
        Assert.Empty(PartnersAfterSkips(RecentHistory.LookBack));
    }

    private static IEnumerable<string> PartnersAfterSkips(int skips)
    {
        var history = new List<HistoryEntry> { Entry(Distinct[0], Start) };
        history.AddRange(Enumerable.Range(1, skips).Select(i => Entry(Distinct[1], Start.AddMinutes(i), skip: true)));
        history.Add(Entry(Distinct[2], Start.AddMinutes(skips + 1)));
        return RecentHistory.ContextAt(history, history.Count - 1, Catalog)!.TrackPartners.Select(p => p.Id);
    }

    [Fact]
    public void WeightsAreWholeSixteenthsHalvingEveryWeek()
    {
        Assert.Equal(16, RecentHistory.WeightOf(TimeSpan.Zero));
        Assert.Equal(16, RecentHistory.WeightOf(TimeSpan.FromHours(-2)));
        Assert.Equal(8, RecentHistory.WeightOf(TimeSpan.FromDays(7)));
        Assert.Equal(1, RecentHistory.WeightOf(TimeSpan.FromDays(35)));
        Assert.Equal(0, RecentHistory.WeightOf(TimeSpan.FromDays(36)));
    }

    [Fact]
    public void TheWeightTableGivesWhatTheDefinitionDoes()
    {
        // Every minute over six weeks, either side of zero, and a tick either side of each step.
        var apart = Enumerable.Range(-60_480, 120_961).Select(m => TimeSpan.FromMinutes(m)).ToList();
        for (var weight = 1; weight <= CoOccurrenceWeights.Full; weight++)
        {
            var step = StepOf(weight);
            apart.AddRange([step - TimeSpan.FromTicks(1), step, step + TimeSpan.FromTicks(1), -step]);
        }

        var wrong = apart.Where(a => RecentHistory.WeightOf(a) != RecentHistory.ExactWeightOf(a)).Take(5).ToList();
        Assert.Empty(wrong);
    }

    /// <summary>The first time apart at which the exact weight falls below <paramref name="weight"/>.</summary>
    private static TimeSpan StepOf(int weight)
    {
        // Solve Full * 0.5^(t / HalfLife) = weight - 0.5 for t, then walk to the exact tick.
        var guess = (long)(RecentHistory.HalfLife.Ticks * Math.Log2(CoOccurrenceWeights.Full / (weight - 0.5)));
        var ticks = Math.Max(0, guess - 1_000);
        while (RecentHistory.ExactWeightOf(TimeSpan.FromTicks(ticks)) >= weight)
        {
            ticks++;
        }

        return TimeSpan.FromTicks(ticks);
    }

    [Fact]
    public void EntriesCarryingTheirNumbersGiveTheContextTheCatalogDoes()
    {
        // Histories as a listener applies them (numbered) and as storage gives them back (not): the same
        // contexts at every play, over random listeners of the catalog with repeats and skips.
        var random = new Random(7);
        var tracks = Catalog.Tracks.Take(300).ToArray();
        for (var listener = 0; listener < 40; listener++)
        {
            var ts = Start;
            var stored = new List<HistoryEntry>();
            var applied = new List<HistoryEntry>();
            for (var play = 0; play < UserState.HistoryCapacity; play++)
            {
                ts = ts.AddMinutes(random.Next(1, 3 * 24 * 60));
                var track = tracks[random.Next(tracks.Length)];
                var entry = Entry(track, ts, skip: random.Next(8) == 0);
                stored.Add(entry);
                applied.Add(entry.WithNumbers(Catalog.NumbersOf(Catalog.IndexOf(track.TrackId))));

                var expected = RecentHistory.ContextAt(stored, play, Catalog);
                var actual = RecentHistory.ContextAt(applied, play, Catalog);
                Assert.Equal(expected is null, actual is null);
                if (expected is not null)
                {
                    Assert.Equal(expected.NewTrack, actual!.NewTrack);
                    Assert.Equal(expected.TrackPartners, actual.TrackPartners);
                    Assert.Equal(expected.NewArtists, actual.NewArtists);
                    Assert.Equal(expected.ArtistPartners, actual.ArtistPartners);
                }
            }
        }
    }

    [Fact]
    public void AListenerKeepsTheNumbersOfWhatItPlays()
    {
        var state = new GrainState<UserState>(new UserState());
        var listener = new Listener("u1", state);
        var track = Distinct[0];

        listener.Apply(new PartitionEvent(0, 0, Plays.Event("u1", track.TrackId, Start)), Catalog);

        Assert.True(state.State!.History[^1].TryGetNumbers(out var numbers));
        Assert.Equal(Catalog.NumbersOf(Catalog.IndexOf(track.TrackId)), numbers);
    }

    [Fact]
    public void AnEntrysNumbersAreNeitherStoredNorSent()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var entry = Entry(Distinct[0], Start).WithNumbers((3, 4));

        Assert.True(entry.TryGetNumbers(out var numbers));
        Assert.Equal((3, 4), numbers);
        var copy = serializer.Deserialize<HistoryEntry>(serializer.SerializeToArray(entry));
        Assert.False(copy.TryGetNumbers(out _));
        Assert.Equal(Entry(Distinct[0], Start), copy);
    }

    /// <summary>A partner as the context gives it: with its number in this process.</summary>
    private static Partner Numbered(string id, int weight) => new(id, weight, ItemIds.Of(id));

    private static HistoryEntry Entry(Track track, DateTimeOffset ts, bool skip = false) =>
        new(track.TrackId, ts, skip ? 5_000 : 200_000, skip, 0, 0);

    internal static Track[] DistinctArtistTracks(int count, int from = 0)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return [.. Catalog.Tracks.Skip(from).Where(t => t.Artists.Length > 0 && t.Artists.All(taken.Add)).Take(count)];
    }
}
