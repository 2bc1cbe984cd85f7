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
/// how the receiving grains drop replays one by one. A partition grain keeps one and clears it for
/// each batch: its lists and dictionaries keep their room, so a batch grows none of them again.
/// </summary>
internal sealed class BatchDeltas
{
    private readonly TrackCatalog _catalog;

    /// <summary>
    /// History co-occurrences of tracks and artists, and the plays and co-listens of tracks, by bucket key
    /// (<see cref="CoOccurrenceBuckets.KeyOf(string, string)"/>).
    /// </summary>
    public Dictionary<string, CoOccurrenceDeltaBuilder> Buckets { get; } = new(StringComparer.Ordinal);

    // Each item's bucket and slot there by its number, found directly when the batch already paired it (a play brings dozens of pairs).
    private readonly Dictionary<int, ItemSlot> _artists = [];
    private readonly Dictionary<int, ItemSlot> _tracks = [];

    public List<ItemOccurrence> TrackOccurrences { get; } = [];
    public List<ItemOccurrence> ArtistOccurrences { get; } = [];

    /// <summary>Plays and skips per track and per artist (<see cref="ItemKinds.PlayCounts"/>), by kind.</summary>
    public Dictionary<string, List<ItemOccurrence>> PlayCounts { get; } = ItemKinds.PlayCounts.ToDictionary(k => k, _ => new List<ItemOccurrence>(), StringComparer.Ordinal);

    // The same lists, found without hashing a kind's name for every play.
    private readonly List<ItemOccurrence> _trackPlays;
    private readonly List<ItemOccurrence> _trackSkips;
    private readonly List<ItemOccurrence> _artistPlays;
    private readonly List<ItemOccurrence> _artistSkips;

    public BatchDeltas(TrackCatalog catalog)
    {
        _catalog = catalog;
        _trackPlays = PlayCounts[ItemKinds.TrackPlays];
        _trackSkips = PlayCounts[ItemKinds.TrackSkips];
        _artistPlays = PlayCounts[ItemKinds.ArtistPlays];
        _artistSkips = PlayCounts[ItemKinds.ArtistSkips];
    }

    /// <param name="numbered">The partners' numbers are this process's (<see cref="UserBucketResult.ItemNumbering"/>).</param>
    public void Add(string userId, CountedPlay play, bool numbered)
    {
        var listener = KeyHash.Of(userId);
        // The play's numbers, when they are this process's, spare looking its track up twice more.
        var known = numbered && play.TrackNumber >= 0;
        var track = known ? ItemOf(ItemKinds.Track, play.TrackId, play.TrackNumber) : ItemOf(ItemKinds.Track, play.TrackId);
        track.Bucket.AddPlay(track.Slot, new TrackPlay(play.Offset, listener, play.Ts, play.MsPlayed, play.Skip));
        var artist = known ? (play.ArtistNumber >= 0 ? ItemIds.NameOf(play.ArtistNumber) : null) : _catalog.PrimaryArtistOf(play.TrackId);
        CountPlay(play, track.Id, artist, known ? play.ArtistNumber : -1);
        if (play.Skip)
        {
            return;
        }

        foreach (var prior in play.SessionPrior)
        {
            track.Bucket.AddCoListen(track.Slot, new CoListenHit(play.Offset, prior, play.Ts));
            var other = ItemOf(ItemKinds.Track, prior);
            other.Bucket.AddCoListen(other.Slot, new CoListenHit(play.Offset, play.TrackId, play.Ts));
        }

        if (play.History is not { } history)
        {
            return;
        }

        if (history.NewTrack)
        {
            track.Bucket.AddOccurrence(track.Slot, play.Offset);
            TrackOccurrences.Add(new ItemOccurrence(play.Offset, play.TrackId, track.Id));
        }

        foreach (var partner in history.TrackPartners)
        {
            var other = ItemOf(ItemKinds.Track, partner.Id, numbered ? partner.Number : ItemIds.Of(partner.Id));
            track.Bucket.AddHit(track.Slot, new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight, other.Id));
            other.Bucket.AddHit(other.Slot, new CoOccurrenceHit(play.Offset, play.TrackId, partner.Weight, track.Id));
        }

        foreach (var newArtist in history.NewArtists)
        {
            // The only artist a play brings is its track's primary one, whose number the play may carry.
            var entered = known && play.ArtistNumber >= 0 && newArtist == artist ? ItemOf(ItemKinds.Artist, newArtist, play.ArtistNumber) : ItemOf(ItemKinds.Artist, newArtist);
            entered.Bucket.AddOccurrence(entered.Slot, play.Offset);
            ArtistOccurrences.Add(new ItemOccurrence(play.Offset, newArtist, entered.Id));
            foreach (var partner in history.ArtistPartners)
            {
                var other = ItemOf(ItemKinds.Artist, partner.Id, numbered ? partner.Number : ItemIds.Of(partner.Id));
                entered.Bucket.AddHit(entered.Slot, new CoOccurrenceHit(play.Offset, partner.Id, partner.Weight, other.Id));
                other.Bucket.AddHit(other.Slot, new CoOccurrenceHit(play.Offset, newArtist, partner.Weight, entered.Id));
            }
        }
    }

    /// <param name="trackNumber">The track's <see cref="ItemIds"/> number.</param>
    /// <param name="artist">The track's primary artist, null when it has none.</param>
    /// <param name="artistNumber">The artist's number, -1 when the play did not carry it.</param>
    private void CountPlay(CountedPlay play, int trackNumber, string? artist, int artistNumber)
    {
        _trackPlays.Add(new ItemOccurrence(play.Offset, play.TrackId, trackNumber));
        if (play.Skip)
        {
            _trackSkips.Add(new ItemOccurrence(play.Offset, play.TrackId, trackNumber));
        }

        if (artist is null)
        {
            return;
        }

        _artistPlays.Add(new ItemOccurrence(play.Offset, artist, artistNumber));
        if (play.Skip)
        {
            _artistSkips.Add(new ItemOccurrence(play.Offset, artist, artistNumber));
        }
    }

    private ItemSlot ItemOf(string kind, string item) => ItemOf(kind, item, ItemIds.Of(item));

    /// <param name="number">The item's <see cref="ItemIds"/> number.</param>
    private ItemSlot ItemOf(string kind, string item, int number)
    {
        var items = kind == ItemKinds.Artist ? _artists : _tracks;
        if (items.TryGetValue(number, out var found))
        {
            return found;
        }

        var key = CoOccurrenceBuckets.KeyOf(kind, item, number);
        if (!Buckets.TryGetValue(key, out var bucket))
        {
            Buckets[key] = bucket = new();
        }

        return items[number] = new ItemSlot(bucket, bucket.AddItem(item, number), number);
    }

    public void Clear()
    {
        _artists.Clear();
        _tracks.Clear();
        foreach (var bucket in Buckets.Values)
        {
            bucket.Clear();
        }

        TrackOccurrences.Clear();
        ArtistOccurrences.Clear();
        foreach (var counts in PlayCounts.Values)
        {
            counts.Clear();
        }
    }

    /// <param name="Id">The item's <see cref="ItemIds"/> number, which its hits carry to the buckets: once per item and batch.</param>
    private readonly record struct ItemSlot(CoOccurrenceDeltaBuilder Bucket, int Slot, int Id);
}
