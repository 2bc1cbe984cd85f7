using Encore.Catalog;
using Encore.Events;
using Encore.Features;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Recommendations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Users;

internal sealed partial class UserGrain(
    [PersistentState("user", Constants.GrainStorage)] IPersistentState<UserState> state,
    CatalogHolder catalogHolder,
    TrainingLog trainingLog,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    /// <summary>Plays further apart than this (event time) start a new session.</summary>
    public static readonly TimeSpan SessionGap = TimeSpan.FromMinutes(30);

    private const int MaxSessionPrior = 3;
    private const int GenreCapacity = 32;
    private const int ArtistCapacity = 64;

    private static readonly TimeSpan AffinityHalfLife = TimeSpan.FromDays(14);
    private static readonly TimeSpan TasteHalfLife = TimeSpan.FromDays(7);

    /// <summary>A snapshot that takes longer is given up: the listener's events do not wait for training data.</summary>
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(2);

    private FeatureStatePersister<UserState> _persister = null!;
    private TrackCatalog _catalog = null!;

    private UserState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _catalog = await catalogHolder.Loaded;

        _persister = new FeatureStatePersister<UserState>(this, GrainFactory, state, stateOptions, logger);
        _persister.Start();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<UserApplyResult> ApplyAsync(UserBatch batch)
    {
        _persister.EnsureFedActivation(batch.ExpectedActivation, batch.Partition);
        var counted = new List<CountedPlay>(batch.Events.Length);
        int applied = 0, duplicates = 0, replays = 0;
        foreach (var item in batch.Events)
        {
            var e = item.Event;
            var watermark = S.AppliedOffsets.GetValueOrDefault(item.Partition, -1);
            var hash = KeyHash.Of(e.EventId);
            var first = FindSeen(hash);
            if (item.Offset <= watermark)
            {
                // Already applied. Report it again if it counted then (it is the first occurrence of its
                // eventId), so that a track grain that lost its effect gets it back.
                replays++;
                if (first is not { } f || (f.Partition == item.Partition && f.Offset == item.Offset))
                {
                    var index = HistoryIndexOf(item.Partition, item.Offset);
                    counted.Add(Counted(item, PriorAt(index), index < 0 ? null : RecentHistory.ContextAt(S.History, index, _catalog)));
                }

                continue;
            }

            S.AppliedOffsets[item.Partition] = item.Offset;
            if (first is not null)
            {
                duplicates++;
                S.DuplicatesDropped++;
                continue;
            }

            Remember(new SeenEvent(hash, item.Partition, item.Offset));
            if (trainingLog.TryStart(hash, S.Plays))
            {
                try
                {
                    await SnapshotAsync(e.Ts);
                }
                finally
                {
                    trainingLog.Finish();
                }
            }

            var prior = PriorAt(S.History.Count, e.Ts, e.TrackId);
            Apply(item);
            counted.Add(Counted(item, prior, RecentHistory.ContextAt(S.History, S.History.Count - 1, _catalog)));
            applied++;
        }

        await _persister.ChangedAsync(applied + duplicates, batch.Partition);
        return new UserApplyResult([.. counted], applied, duplicates, replays, _persister.DurableNextOffset(batch.Partition), _persister.Activation);
    }

    public Task<DurableOffset> FlushAsync(int partition) => _persister.FlushAsync(partition);

    public Task<UserProfile?> GetProfileAsync()
    {
        if (S.Plays == 0)
        {
            return Task.FromResult<UserProfile?>(null);
        }

        var recent = new List<RecentPlay>(S.History.Count);
        for (var i = S.History.Count - 1; i >= 0; i--)
        {
            var h = S.History[i];
            _catalog.TryGet(h.TrackId, out var track);
            recent.Add(new RecentPlay(h.TrackId, track?.TrackName ?? "", track?.Artists ?? [], h.Ts, h.MsPlayed, h.Skip));
        }

        return Task.FromResult<UserProfile?>(new UserProfile
        {
            UserId = this.GetPrimaryKeyString(),
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
        });
    }

    public Task<UserTaste?> GetTasteAsync() => Task.FromResult(S.Plays == 0 ? null : TasteNow());

    private UserTaste TasteNow()
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
            this.GetPrimaryKeyString(), S.Plays, S.Taste.Mean(), [.. heard.Take(20)], Top(S.Genres, 5), [.. artists.Take(10)], [.. heard], artists, history, S.SessionPlays);
    }

    /// <summary>
    /// Logs what the recommender proposes to this listener as they are now, before the play at
    /// <paramref name="at"/> is applied (see <see cref="TrainingLog"/>). Awaited, so that none of this
    /// listener's later plays reaches a neighbour list before the candidates are built; the
    /// recommendation grain is given the listener and never calls back.
    /// </summary>
    private async Task SnapshotAsync(DateTimeOffset at)
    {
        var taste = TasteNow();
        try
        {
            var candidates = await GrainFactory.GetGrain<IRecommendationGrain>(0)
                .GetCandidatesAsync(new CandidateRequest(taste, at))
                .WaitAsync(SnapshotTimeout);
            trainingLog.Add(new TrainingSnapshot(taste.UserId, at, taste.Plays, taste.HeardTrackIds!, candidates));
        }
        catch (TimeoutException)
        {
            // A busy silo: expected under load, and a sample can spare it.
            LogSnapshotTimedOut(logger, taste.UserId, SnapshotTimeout.TotalSeconds);
        }
        catch (Exception e)
        {
            // Training data is a sample: one lost snapshot must never hold up or fail the listener's events.
            LogSnapshotFailed(logger, e, taste.UserId);
        }
    }

    private void Apply(PartitionEvent item)
    {
        var e = item.Event;
        var skip = e.IsSkip;
        var known = _catalog.TryGet(e.TrackId, out var track);
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
        S.History.Add(new HistoryEntry(known ? track!.TrackId : e.TrackId, e.Ts, e.MsPlayed, skip, item.Partition, item.Offset));

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
            S.Taste.Add(_catalog.FeatureVector(_catalog.IndexOf(e.TrackId)), completion, e.Ts, TasteHalfLife);
        }
    }

    /// <summary>Adds to the ring, which grows up to its capacity so that light listeners keep a small one.</summary>
    private void Remember(SeenEvent seen)
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

    /// <summary>
    /// The occurrence of an eventId that counted, if it is among the last ones. A linear scan of 128
    /// hashes is cheaper than keeping an index; a 64-bit hash collision among one user's last 128
    /// events is too unlikely to matter.
    /// </summary>
    private SeenEvent? FindSeen(ulong hash)
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

    private int HistoryIndexOf(int partition, long offset) =>
        S.History.FindIndex(h => h.Partition == partition && h.Offset == offset);

    /// <summary>Co-listen context of a replayed play, from the history entry it left (none if it aged out).</summary>
    private string[] PriorAt(int index) => index < 0 ? [] : PriorAt(index, S.History[index].Ts, S.History[index].TrackId);

    /// <summary>
    /// Distinct tracks finished just before history position <paramref name="index"/> in the same
    /// session (consecutive plays no further apart than the session gap): the user's session context,
    /// which feeds the co-listened lists of the track grains. Derived from the history alone, so a
    /// replay reproduces exactly what the first apply reported.
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

    private static CountedPlay Counted(PartitionEvent item, string[] prior, HistoryContext? history) =>
        new(item.Offset, item.Event.TrackId, item.Event.Ts, item.Event.MsPlayed, item.Event.IsSkip, prior, history);

    private static Affinity[] Top(DecayingScores scores, int count) =>
        [.. scores.Top(count).Select(e => new Affinity(e.Key, Math.Round(e.Value, 4)))];

    [LoggerMessage(EventId = 1509, Level = LogLevel.Warning, Message = "Training snapshot of {UserId} skipped")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Debug, Message = "Training snapshot of {UserId} skipped: no candidates within {Seconds} s")]
    private static partial void LogSnapshotTimedOut(ILogger logger, string userId, double seconds);
}
