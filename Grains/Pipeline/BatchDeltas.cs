using Encore.Catalog;
using Encore.Features;
using Encore.Similarity;
using Encore.Tracks;
using Encore.Users;

namespace Encore.Pipeline;

/// <summary>
/// What one partition batch does to the item grains, aggregated per grain from the plays the user
/// grains counted: one delta per co-occurrence bucket (which also holds its tracks' play statistics)
/// and per count kind (occurrences, plays, skips), so a hot item gets one call per batch however many
/// of the batch's plays touch it. Every entry carries the offset of the play that caused it, which is
/// how the receiving grains drop replays one by one.
/// </summary>
internal sealed class BatchDeltas(TrackCatalog catalog)
{
    /// <summary>
    /// History co-occurrences of tracks and artists, and the plays and co-listens of tracks, by bucket key
    /// (<see cref="CoOccurrenceBuckets.KeyOf"/>).
    /// </summary>
    public Dictionary<string, BucketEntries> Buckets { get; } = new(StringComparer.Ordinal);

    private readonly Dictionary<string, ItemEntries> _artists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ItemEntries> _tracks = new(StringComparer.Ordinal);
    public List<ItemOccurrence> TrackOccurrences { get; } = [];
    public List<ItemOccurrence> ArtistOccurrences { get; } = [];

    /// <summary>Plays and skips per track and per artist (<see cref="ItemKinds.PlayCounts"/>), by kind.</summary>
    public Dictionary<string, List<ItemOccurrence>> PlayCounts { get; } = ItemKinds.PlayCounts.ToDictionary(k => k, _ => new List<ItemOccurrence>(), StringComparer.Ordinal);

    public void Add(string userId, CountedPlay play)
    {
        var listener = KeyHash.Of(userId);
        ItemOf(ItemKinds.Track, play.TrackId).Plays.Add(new TrackPlay(play.Offset, listener, play.Ts, play.MsPlayed, play.Skip));
        CountPlay(play);
        if (play.Skip)
        {
            return;
        }

        foreach (var prior in play.SessionPrior)
        {
            ItemOf(ItemKinds.Track, play.TrackId).CoListens.Add(new CoListenHit(play.Offset, prior, play.Ts));
            ItemOf(ItemKinds.Track, prior).CoListens.Add(new CoListenHit(play.Offset, play.TrackId, play.Ts));
        }

        if (play.History is not { } history)
        {
            return;
        }

        if (history.NewTrack)
        {
            ItemOf(ItemKinds.Track, play.TrackId).Occurrences.Add(play.Offset);
            TrackOccurrences.Add(new ItemOccurrence(play.Offset, play.TrackId));
        }

        foreach (var partner in history.TrackPartners)
        {
            ItemOf(ItemKinds.Track, play.TrackId).Hits.Add(new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight));
            ItemOf(ItemKinds.Track, partner.Id).Hits.Add(new CoOccurrenceHit(play.Offset, play.TrackId, partner.Weight));
        }

        foreach (var artist in history.NewArtists)
        {
            ItemOf(ItemKinds.Artist, artist).Occurrences.Add(play.Offset);
            ArtistOccurrences.Add(new ItemOccurrence(play.Offset, artist));
            foreach (var partner in history.ArtistPartners)
            {
                ItemOf(ItemKinds.Artist, artist).Hits.Add(new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight));
                ItemOf(ItemKinds.Artist, partner.Id).Hits.Add(new CoOccurrenceHit(play.Offset, artist, partner.Weight));
            }
        }
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

    /// <summary>The entries of one item, found directly when the batch already paired it (a play brings dozens of pairs).</summary>
    private ItemEntries ItemOf(string kind, string item)
    {
        var items = kind == ItemKinds.Artist ? _artists : _tracks;
        if (items.TryGetValue(item, out var entries))
        {
            return entries;
        }

        var key = CoOccurrenceBuckets.KeyOf(kind, item);
        if (!Buckets.TryGetValue(key, out var bucket))
        {
            Buckets[key] = bucket = new();
        }

        bucket.Items[item] = items[item] = entries = new();
        return entries;
    }

    /// <summary>One bucket's items, each with its occurrences, co-occurrence hits, co-listens and (tracks) plays.</summary>
    public sealed class BucketEntries
    {
        public Dictionary<string, ItemEntries> Items { get; } = new(StringComparer.Ordinal);

        public CoOccurrenceDelta ToDelta(int partition, long lastOffset, Guid expectedActivation) =>
            new(partition, lastOffset, [.. Items.Select(i => new ItemCoOccurrences(i.Key, [.. i.Value.Occurrences], [.. i.Value.Hits], [.. i.Value.CoListens], [.. i.Value.Plays]))], expectedActivation);

        /// <summary>The oldest offset the delta carries, or <paramref name="lastOffset"/> when it carries none.</summary>
        public long FirstOffset(long lastOffset)
        {
            var first = lastOffset;
            foreach (var item in Items.Values)
            {
                foreach (var offset in item.Occurrences)
                {
                    first = Math.Min(first, offset);
                }

                foreach (var hit in item.Hits)
                {
                    first = Math.Min(first, hit.Offset);
                }

                foreach (var hit in item.CoListens)
                {
                    first = Math.Min(first, hit.Offset);
                }

                foreach (var play in item.Plays)
                {
                    first = Math.Min(first, play.Offset);
                }
            }

            return first;
        }
    }

    public sealed class ItemEntries
    {
        public List<long> Occurrences { get; } = [];
        public List<CoOccurrenceHit> Hits { get; } = [];
        public List<CoListenHit> CoListens { get; } = [];
        public List<TrackPlay> Plays { get; } = [];
    }
}
