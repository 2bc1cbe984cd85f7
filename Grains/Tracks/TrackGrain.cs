using Encore.Catalog;
using Encore.Features;
using Encore.Pipeline;
using Encore.Similarity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Tracks;

internal sealed class TrackGrain(
    [PersistentState("track", Constants.GrainStorage)] IPersistentState<TrackState> state,
    CatalogHolder catalogHolder,
    [FromKeyedServices(Clocks.Windows)] TimeProvider clock,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<TrackGrain> logger) : Grain, ITrackGrain
{
    private FeatureStatePersister<TrackState> _persister = null!;
    private Track? _track;

    private TrackState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var catalog = await catalogHolder.Loaded;
        catalog.TryGet(this.GetPrimaryKeyString(), out _track);
        _persister = new FeatureStatePersister<TrackState>(this, GrainFactory, state, stateOptions, logger);
        _persister.Start();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<TrackApplyResult> ApplyAsync(TrackDelta delta)
    {
        _persister.EnsureFedActivation(delta.ExpectedActivation, delta.Partition);
        var now = clock.GetUtcNow();
        var watermark = S.AppliedOffsets.GetValueOrDefault(delta.Partition, -1);
        var applied = 0;
        foreach (var play in delta.Plays)
        {
            if (play.Offset <= watermark)
            {
                continue;
            }

            S.Plays++;
            S.Skips += play.Skip ? 1 : 0;
            S.CompletionSum += _track is null || _track.DurationMs <= 0 ? 0 : Math.Min(1.0, (double)play.MsPlayed / _track.DurationMs);
            S.Windows.Add(play.Ts, play.Skip, now);
            S.Listeners.Add(play.ListenerHash);
            if (S.LastPlayTs is null || play.Ts > S.LastPlayTs)
            {
                S.LastPlayTs = play.Ts;
            }

            applied++;
        }

        if (delta.LastOffset > watermark)
        {
            S.AppliedOffsets[delta.Partition] = delta.LastOffset;
        }

        await _persister.ChangedAsync(applied, delta.Partition);
        var trending = new TrendingEntry(
            this.GetPrimaryKeyString(), S.Windows.Count(PlayWindows.Day, now).Plays, S.Plays, S.LastPlayTs ?? now);
        return new TrackApplyResult(_persister.DurableNextOffset(delta.Partition), applied, trending, _persister.Activation);
    }

    public Task<DurableOffset> FlushAsync(int partition) => _persister.FlushAsync(partition);

    public async Task<TrackView?> GetAsync()
    {
        if (_track is not { } t)
        {
            return null;
        }

        // Its co-listens and history co-occurrences live in its bucket grain, which never calls a track grain back.
        var bucket = GrainFactory.BucketOf(ItemKinds.Track, t.TrackId);
        var similar = await bucket.GetNeighboursAsync(t.TrackId, 10);
        var coListened = await bucket.GetCoListenedAsync(t.TrackId, 10);
        var now = clock.GetUtcNow();
        var hour = S.Windows.Count(PlayWindows.Hour, now);
        var day = S.Windows.Count(PlayWindows.Day, now);
        var week = S.Windows.Count(PlayWindows.Week, now);
        return new TrackView
        {
            TrackId = t.TrackId,
            TrackName = t.TrackName,
            AlbumName = t.AlbumName,
            Artists = t.Artists,
            Genres = t.Genres,
            Popularity = t.Popularity,
            DurationMs = t.DurationMs,
            Explicit = t.Explicit,
            Features = new AudioFeatures
            {
                Danceability = t.Danceability,
                Energy = t.Energy,
                Key = t.Key,
                Loudness = t.Loudness,
                Mode = t.Mode,
                Speechiness = t.Speechiness,
                Acousticness = t.Acousticness,
                Instrumentalness = t.Instrumentalness,
                Liveness = t.Liveness,
                Valence = t.Valence,
                Tempo = t.Tempo,
                TimeSignature = t.TimeSignature,
            },
            Plays = S.Plays,
            Skips = S.Skips,
            Plays1h = hour.Plays,
            Plays24h = day.Plays,
            Plays7d = week.Plays,
            Skips1h = hour.Skips,
            Skips24h = day.Skips,
            Skips7d = week.Skips,
            CompletionRate = S.Plays == 0 ? 0 : Math.Round(S.CompletionSum / S.Plays, 4),
            UniqueListeners = S.Listeners.Estimate(),
            CoListened = coListened,
            LastPlayTs = S.LastPlayTs,
            Occurrences = similar.Occurrences,
            Similar = similar.Neighbours,
        };
    }

}
