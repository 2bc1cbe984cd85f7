using Encore.Catalog;
using Encore.Features;
using Encore.Similarity;
using Encore.Tracks;
using Encore.Users;

namespace Encore.Pipeline;

/// <summary>
/// What one partition batch does to the item grains, aggregated per grain from the plays the user
/// grains counted: one delta per track, per artist and per count kind (occurrences, plays, skips), so a hot item gets
/// one call per batch however many of the batch's plays touch it. Every entry carries the offset of the
/// play that caused it, which is how the receiving grains drop replays one by one.
/// </summary>
internal sealed class BatchDeltas(TrackCatalog catalog)
{
    public Dictionary<string, TrackEntries> Tracks { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ArtistEntries> Artists { get; } = new(StringComparer.Ordinal);
    public List<ItemOccurrence> TrackOccurrences { get; } = [];
    public List<ItemOccurrence> ArtistOccurrences { get; } = [];

    /// <summary>Plays and skips per track and per artist (<see cref="ItemKinds.PlayCounts"/>), by kind.</summary>
    public Dictionary<string, List<ItemOccurrence>> PlayCounts { get; } = ItemKinds.PlayCounts.ToDictionary(k => k, _ => new List<ItemOccurrence>(), StringComparer.Ordinal);

    public void Add(string userId, CountedPlay play)
    {
        var listener = KeyHash.Of(userId);
        TrackOf(play.TrackId).Plays.Add(new TrackPlay(play.Offset, listener, play.Ts, play.MsPlayed, play.Skip));
        CountPlay(play);
        if (play.Skip)
        {
            return;
        }

        foreach (var prior in play.SessionPrior)
        {
            TrackOf(play.TrackId).CoListens.Add(new CoListenHit(play.Offset, prior, play.Ts));
            TrackOf(prior).CoListens.Add(new CoListenHit(play.Offset, play.TrackId, play.Ts));
        }

        if (play.History is not { } history)
        {
            return;
        }

        if (history.NewTrack)
        {
            TrackOf(play.TrackId).Occurrences.Add(play.Offset);
            TrackOccurrences.Add(new ItemOccurrence(play.Offset, play.TrackId));
        }

        foreach (var partner in history.TrackPartners)
        {
            TrackOf(play.TrackId).HistoryHits.Add(new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight));
            TrackOf(partner.Id).HistoryHits.Add(new CoOccurrenceHit(play.Offset, play.TrackId, partner.Weight));
        }

        foreach (var artist in history.NewArtists)
        {
            ArtistOf(artist).Occurrences.Add(play.Offset);
            ArtistOccurrences.Add(new ItemOccurrence(play.Offset, artist));
            foreach (var partner in history.ArtistPartners)
            {
                ArtistOf(artist).Hits.Add(new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight));
                ArtistOf(partner.Id).Hits.Add(new CoOccurrenceHit(play.Offset, artist, partner.Weight));
            }
        }
    }

    private TrackEntries TrackOf(string trackId)
    {
        if (!Tracks.TryGetValue(trackId, out var entries))
        {
            Tracks[trackId] = entries = new();
        }

        return entries;
    }

    private void CountPlay(CountedPlay play)
    {
        var artist = catalog.PrimaryArtistOf(play.TrackId);
        PlayCounts[ItemKinds.TrackPlays].Add(new ItemOccurrence(play.Offset, play.TrackId));
        if (play.Skip)
        {
            PlayCounts[ItemKinds.TrackSkips].Add(new ItemOccurrence(play.Offset, play.TrackId));
        }

        if (artist is null)
        {
            return;
        }

        PlayCounts[ItemKinds.ArtistPlays].Add(new ItemOccurrence(play.Offset, artist));
        if (play.Skip)
        {
            PlayCounts[ItemKinds.ArtistSkips].Add(new ItemOccurrence(play.Offset, artist));
        }
    }

    private ArtistEntries ArtistOf(string artist)
    {
        if (!Artists.TryGetValue(artist, out var entries))
        {
            Artists[artist] = entries = new();
        }

        return entries;
    }

    public sealed class TrackEntries
    {
        public List<TrackPlay> Plays { get; } = [];
        public List<CoListenHit> CoListens { get; } = [];
        public List<long> Occurrences { get; } = [];
        public List<CoOccurrenceHit> HistoryHits { get; } = [];

        public TrackDelta ToDelta(int partition, long lastOffset, Guid expectedActivation) =>
            new(partition, lastOffset, [.. Plays], [.. CoListens], expectedActivation, [.. Occurrences], [.. HistoryHits]);

        /// <summary>The oldest offset the delta carries, or <paramref name="lastOffset"/> when it carries none.</summary>
        public long FirstOffset(long lastOffset) =>
            Plays.Select(p => p.Offset).Concat(CoListens.Select(c => c.Offset)).Concat(Occurrences).Concat(HistoryHits.Select(h => h.Offset))
                .DefaultIfEmpty(lastOffset).Min();
    }

    public sealed class ArtistEntries
    {
        public List<long> Occurrences { get; } = [];
        public List<CoOccurrenceHit> Hits { get; } = [];

        public CoOccurrenceDelta ToDelta(int partition, long lastOffset, Guid expectedActivation) =>
            new(partition, lastOffset, [.. Occurrences], [.. Hits], expectedActivation);

        public long FirstOffset(long lastOffset) =>
            Occurrences.Concat(Hits.Select(h => h.Offset)).DefaultIfEmpty(lastOffset).Min();
    }
}
