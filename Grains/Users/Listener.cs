using Encore.Catalog;
using Encore.Events;
using Encore.Features;

namespace Encore.Users;

/// <summary>
/// One listener's features as its bucket holds them: the stored state with its etag, whether it changed
/// since it was last written, and when it was last used (for eviction). Everything a play changes, and
/// every view of the listener, is computed here; the bucket decides when to read, write and drop it.
/// </summary>
internal sealed class Listener(string userId, IGrainState<UserState> stored)
{
    /// <summary>Plays further apart than this (event time) start a new session.</summary>
    public static readonly TimeSpan SessionGap = TimeSpan.FromMinutes(30);

    private const int MaxSessionPrior = 3;
    private const int GenreCapacity = 32;
    private const int ArtistCapacity = 64;

    private static readonly TimeSpan AffinityHalfLife = TimeSpan.FromDays(14);
    private static readonly TimeSpan TasteHalfLife = TimeSpan.FromDays(7);

    public string UserId { get; } = userId;

    /// <summary>What storage holds for the listener, with the etag its next write must match.</summary>
    public IGrainState<UserState> Stored { get; } = stored;

    /// <summary>Changed since it was last written.</summary>
    public bool Dirty { get; set; }

    /// <summary>When the bucket last applied a play to it or read it in (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long TouchedAt { get; set; }

    private UserState S => Stored.State!;

    public long Plays => S.Plays;

    /// <summary>The watermark of <paramref name="partition"/>: offsets at or below it were applied.</summary>
    public long WatermarkOf(int partition) => S.WatermarkOf(partition);

    public void MoveWatermark(int partition, long offset) => S.MoveWatermark(partition, offset);

    public void CountDuplicate() => S.DuplicatesDropped++;

    /// <summary>
    /// The occurrence of an eventId that counted, if it is among the last ones. A linear scan of 128
    /// hashes is cheaper than keeping an index; a 64-bit hash collision among one user's last 128
    /// events is too unlikely to matter.
    /// </summary>
    public SeenEvent? FindSeen(ulong hash)
    {
        foreach (var seen in S.Seen)
        {
            // Hash 0 marks an empty slot (a real eventId hashing to 0 is a 1-in-2^64 event).
            if (seen.EventHash == hash && hash != 0)
            {
                return seen;
            }
        }

        return null;
    }

    /// <summary>Adds to the ring, which grows up to its capacity so that light listeners keep a small one.</summary>
    public void Remember(SeenEvent seen)
    {
        if (S.SeenNext == S.Seen.Length)
        {
            if (S.Seen.Length < UserState.SeenCapacity)
            {
                var grown = S.Seen;
                Array.Resize(ref grown, Math.Min(UserState.SeenCapacity, Math.Max(8, grown.Length * 2)));
                S.Seen = grown;
            }
            else
            {
                S.SeenNext = 0;
            }
        }

        S.Seen[S.SeenNext++] = seen;
    }

    /// <summary>The counted play a replayed event reports again, with the context its history entry left (none if it aged out).</summary>
    public CountedPlay Recounted(PartitionEvent item, TrackCatalog catalog)
    {
        var index = -1;
        for (var i = 0; i < S.History.Count; i++)
        {
            if (S.History[i].Partition == item.Partition && S.History[i].Offset == item.Offset)
            {
                index = i;
                break;
            }
        }

        var at = TrackIndexOf(item, catalog);
        return index < 0
            ? Counted(item, [], null, catalog, at)
            : Counted(item, PriorAt(index, S.History[index].Ts, S.History[index].TrackId), RecentHistory.ContextAt(S.History, index, catalog, at), catalog, at);
    }

    /// <summary>Applies a first occurrence and returns it as counted, with its session and history context.</summary>
    public CountedPlay Apply(PartitionEvent item, TrackCatalog catalog)
    {
        // The track's place in the catalog, looked up once for everything the play does.
        var at = TrackIndexOf(item, catalog);
        var prior = PriorAt(S.History.Count, item.Event.Ts, item.Event.TrackId);
        ApplyPlay(item, catalog, at);
        return Counted(item, prior, RecentHistory.ContextAt(S.History, S.History.Count - 1, catalog, at), catalog, at);
    }

    /// <summary>Where the event's track is in the catalog (-1: not there): as the adapter found it, or else looked up by id.</summary>
    private static int TrackIndexOf(PartitionEvent item, TrackCatalog catalog) =>
        item.TryGetTrackIndex(catalog.Identity, out var index) ? index : catalog.IndexOf(item.Event.TrackId);

    public UserProfile? Profile(TrackCatalog catalog)
    {
        if (S.Plays == 0)
        {
            return null;
        }

        var recent = new List<RecentPlay>(S.History.Count);
        for (var i = S.History.Count - 1; i >= 0; i--)
        {
            var h = S.History[i];
            catalog.TryGet(h.TrackId, out var track);
            recent.Add(new RecentPlay(h.TrackId, track?.TrackName ?? "", track?.Artists ?? [], h.Ts, h.MsPlayed, h.Skip));
        }

        return new UserProfile
        {
            UserId = UserId,
            Plays = S.Plays,
            Skips = S.Skips,
            SkipRate = (double)S.Skips / S.Plays,
            CompletionRate = S.CompletionSum / S.Plays,
            DuplicatesDropped = S.DuplicatesDropped,
            TopGenres = Top(S.Genres, 5),
            TopArtists = Top(S.Artists, 10),
            RecentTracks = [.. recent],
            LastEventTs = S.LastEventTs,
            Session = new SessionInfo(S.SessionStart, S.SessionPlays, SessionTracks()),
            Taste = S.Taste.Mean(),
        };
    }

    public UserTaste? Taste() => S.Plays == 0 ? null : TasteNow();

    /// <summary>The listener as the recommender sees it now (also the training snapshot's view).</summary>
    public UserTaste TasteNow()
    {
        var heard = new List<string>(S.History.Count);
        var history = new HistoryPlay[S.History.Count];
        for (var i = S.History.Count - 1; i >= 0; i--)
        {
            var h = S.History[i];
            history[S.History.Count - 1 - i] = new HistoryPlay(h.TrackId, h.Ts, h.Skip);
            if (!heard.Contains(h.TrackId))
            {
                heard.Add(h.TrackId);
            }
        }

        var artists = Top(S.Artists, ArtistCapacity);
        return new UserTaste(
            UserId, S.Plays, S.Taste.Mean(), [.. heard.Take(20)], Top(S.Genres, 5), [.. artists.Take(10)], [.. heard], artists, history, S.SessionPlays);
    }

    /// <param name="at">The track's index in the catalog, -1 when it is not there.</param>
    private void ApplyPlay(PartitionEvent item, TrackCatalog catalog, int at)
    {
        var e = item.Event;
        var skip = e.IsSkip;
        var track = at < 0 ? null : catalog.Tracks[at];
        var known = track is not null;
        var completion = known ? e.CompletionOf(track!.DurationMs) : 0;

        S.Plays++;
        S.Skips += skip ? 1 : 0;
        S.CompletionSum += completion;

        if (S.SessionLastTs is not { } last || (e.Ts - last).Duration() > SessionGap)
        {
            S.SessionStart = e.Ts;
            S.SessionPlays = 0;
        }

        S.SessionPlays++;
        S.SessionLastTs = e.Ts;
        if (S.LastEventTs is null || e.Ts > S.LastEventTs)
        {
            S.LastEventTs = e.Ts;
        }

        // Room is made before the play is added: one past the capacity would double the list's array
        // for good, 3 KB more for every listener with a full history.
        if (S.History.Count >= UserState.HistoryCapacity)
        {
            S.History.RemoveRange(0, S.History.Count - UserState.HistoryCapacity + 1);
        }

        // The catalog's own id string, so histories share it instead of each holding a copy.
        var entry = new HistoryEntry(known ? track!.TrackId : e.TrackId, e.Ts, e.MsPlayed, skip, item.Partition, item.Offset);
        S.History.Add(known ? entry.WithNumbers(catalog.NumbersOf(at)) : entry);

        if (!known)
        {
            return;
        }

        // A finished play says more than a half-heard one; a skip counts against the genre and artist.
        var weight = skip ? -0.3 : 0.5 + 0.5 * completion;
        foreach (var genre in track!.Genres)
        {
            S.Genres.Add(genre, weight, e.Ts, AffinityHalfLife, GenreCapacity);
        }

        foreach (var artist in track.Artists)
        {
            S.Artists.Add(artist, weight, e.Ts, AffinityHalfLife, ArtistCapacity);
        }

        if (!skip)
        {
            S.Taste.Add(catalog.FeatureVector(at), completion, e.Ts, TasteHalfLife);
        }
    }

    /// <summary>
    /// Distinct tracks finished just before history position <paramref name="index"/> in the same
    /// session (consecutive plays no further apart than the session gap): the user's session context,
    /// which feeds the co-listened lists of the tracks. Derived from the history alone, so a replay
    /// reproduces exactly what the first apply reported.
    /// </summary>
    private string[] PriorAt(int index, DateTimeOffset ts, string trackId)
    {
        var prior = new List<string>(MaxSessionPrior);
        var later = ts;
        for (var i = index - 1; i >= 0 && prior.Count < MaxSessionPrior; i--)
        {
            var h = S.History[i];
            if ((later - h.Ts).Duration() > SessionGap)
            {
                break;
            }

            later = h.Ts;
            if (!h.Skip && h.TrackId != trackId && !prior.Contains(h.TrackId))
            {
                prior.Add(h.TrackId);
            }
        }

        return [.. prior];
    }

    private string[] SessionTracks()
    {
        var tracks = new List<string>();
        for (var i = S.History.Count - 1; i >= 0 && tracks.Count < S.SessionPlays && tracks.Count < 10; i--)
        {
            tracks.Add(S.History[i].TrackId);
        }

        return [.. tracks];
    }

    private static CountedPlay Counted(PartitionEvent item, string[] prior, HistoryContext? history, TrackCatalog catalog, int at)
    {
        var numbers = at < 0 ? (Track: -1, Artist: -1) : catalog.NumbersOf(at);
        return new(item.Offset, item.Event.TrackId, item.Event.Ts, item.Event.MsPlayed, item.Event.IsSkip, prior, history, numbers.Track, numbers.Artist);
    }

    private static Affinity[] Top(DecayingScores scores, int count) =>
        [.. scores.Top(count).Select(e => new Affinity(e.Key, Math.Round(e.Value, 4)))];
}
