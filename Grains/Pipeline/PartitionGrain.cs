using System.Diagnostics;
using Encore.Catalog;
using Encore.Events;
using Encore.Features;
using Encore.Hosting;
using Encore.Ranking;
using Encore.Similarity;
using Encore.Stats;
using Encore.Streams.Kafka.Checkpoints;
using Encore.Tracks;
using Encore.Trending;
using Encore.Users;
using Encore.Warehouse;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Encore.Pipeline;

/// <remarks>
/// Per batch: the user buckets first (one call per bucket, in parallel), because they decide which
/// events count (a resend of an eventId does not); then one aggregated delta per co-occurrence bucket
/// and count grain (in parallel); trending snapshots are
/// buffered and sent on a timer. For every grain fed, it keeps the oldest offset whose effect that
/// grain may still hold only in memory, and declares to the partition's checkpoint only offsets below
/// all of them, and below the oldest event it handed to the silo's warehouse sink that the sink has
/// not yet written. It lives as long as the silo (never collected when idle), because that bookkeeping
/// is in memory: a new activation starts clean, which is safe only after the stream has restarted
/// from the committed offset, as it does when a silo dies.
/// </remarks>
[ImplicitStreamSubscription(Constants.PartitionStreamNamespace)]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class PartitionGrain(
    CatalogHolder catalogHolder,
    IPipelineStats stats,
    IWarehouseSink warehouse,
    IDeadLetters deadLetters,
    IOptions<PipelineOptions> options,
    BatchGate gate,
    IOptions<FeatureStateOptions> featureState,
    EncoreTelemetry telemetry,
    SnapshotTaker snapshots,
    ILogger<PartitionGrain> logger)
    : Grain, IPartitionGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<PartitionEvent>
{
    /// <summary>A batch slower than this is logged with where its time went: every later play of the partition waited for it.</summary>
    private static readonly TimeSpan SlowBatch = TimeSpan.FromSeconds(2);

    /// <summary>At most one slow-batch line per partition in this time: an overloaded silo has one every batch.</summary>
    private static readonly TimeSpan SlowBatchLogInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<GrainId, Undurable> _undurable = [];
    private readonly Dictionary<string, TrendingEntry> _trending = new(StringComparer.Ordinal);
    private readonly ReplayFence _fence = new();
    private readonly PoisonGuard _poison = new(options.Value);
    private TrackCatalog _catalog = null!;
    private BatchDeltas _deltas = null!;
    private int _partition;
    private long _nextOffset = -1;
    private long _declared = -1;
    private long _processed;
    private long _duplicates;
    private long _replays;
    private bool _replayRequested;
    private int _slowBatches;
    private long? _slowLoggedAt;

    // Offsets of batches whose track deltas were not sent (a user call failed): replayed before declared.
    private (long From, long To)? _gap;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _partition = checked((int)this.GetPrimaryKeyLong());
        _catalog = await catalogHolder.Loaded;
        _deltas = new BatchDeltas(_catalog);
        var o = options.Value;
        this.RegisterGrainTimer(DeclareAsync, new GrainTimerCreationOptions(o.DeclareInterval, o.DeclareInterval) { Interleave = false });
        this.RegisterGrainTimer(FlushTrendingAsync, new GrainTimerCreationOptions(o.TrendingFlushInterval, o.TrendingFlushInterval) { Interleave = false });
        var check = featureState.Value.WriteInterval;
        this.RegisterGrainTimer(CheckUndurableAsync, new GrainTimerCreationOptions(check, check) { Interleave = false });
        // After a predecessor that died, batches already read may still arrive before the replay this
        // asks for; feeding them to grains that lost state would move their watermarks past the loss.
        _fence.Expect(await Checkpoint.ConsumerStartedAsync());
    }

    private IKafkaCheckpointGrain Checkpoint => KafkaCheckpoint.Get(GrainFactory, Constants.StreamProvider, _partition);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A graceful stop (shutdown, rebalancing): ask every grain still buffering to write, so that
        // the last declaration covers everything this activation processed.
        var flushes = _undurable.Select(async entry =>
        {
            try
            {
                var flushed = await GrainFactory.GetGrain<IFeatureGrain>(entry.Key).FlushAsync(_partition).WaitAsync(cancellationToken);
                Durable(entry.Key, flushed.NextOffset);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFlushFailed(logger, exception, entry.Key, _partition);
            }
        }).ToList();
        await Task.WhenAll(flushes);
        try
        {
            await warehouse.FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The declaration below stays behind what the sink still holds.
        }

        await DeclareAsync();
        await FlushTrendingAsync();
        if (_undurable.Count == 0)
        {
            await Checkpoint.ConsumerStoppedAsync();
        }
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<PartitionEvent>().ResumeAsync(this);

    public async Task OnNextAsync(IList<SequentialItem<PartitionEvent>> items)
    {
        if (!await AdmitsAsync(items) || GroupByUserBucket(items) is not { } batch)
        {
            return;
        }

        using var slot = await gate.EnterAsync();
        using var span = telemetry.StartBatch(_partition, items.Count);
        var started = Stopwatch.GetTimestamp();
        var attempts = await ApplyUsersAsync(batch);
        await snapshots.TakeAsync(SnapshotsOf(attempts));
        var usersApplied = Stopwatch.GetTimestamp();
        var complete = attempts.All(u => u.Done);
        TrackGap(batch, complete);
        var (deltas, counts) = CollectUserResults(attempts, complete);
        await ApplyFeatureDeltasAsync(deltas, batch.LastOffset);
        var deltasApplied = Stopwatch.GetTimestamp();
        await WriteWarehouseAsync(batch);
        RecordProcessed(batch.LastOffset, counts);
        await RequestReplayIfNeededAsync();
        await DeclareAsync();
        var took = Stopwatch.GetElapsedTime(started);
        if (took > SlowBatch)
        {
            _slowBatches++;
            if (_slowLoggedAt is not { } loggedAt || Stopwatch.GetElapsedTime(loggedAt) > SlowBatchLogInterval)
            {
                LogSlowBatch(logger, _partition, items.Count, batch.ByUserBucket.Count, deltas.Buckets.Count, took.TotalMilliseconds,
                    Stopwatch.GetElapsedTime(started, usersApplied).TotalMilliseconds, Stopwatch.GetElapsedTime(usersApplied, deltasApplied).TotalMilliseconds, _slowBatches);
                _slowBatches = 0;
                _slowLoggedAt = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Whether a batch may be applied: not while a replay is still to be asked for, nor when it was
    /// read before the replay the fence waits for. The replay brings such a batch again.
    /// </summary>
    private async Task<bool> AdmitsAsync(IList<SequentialItem<PartitionEvent>> items)
    {
        await RequestReplayIfNeededAsync();
        if (items.Count > 0 && !_replayRequested && await _fence.AdmitsAsync(items[0].Token, Checkpoint))
        {
            return true;
        }

        LogBeforeReplay(logger, _partition, items.Count > 0 ? items[0].Item.Offset : -1);
        return false;
    }

    /// <summary>The batch's events of this partition by user bucket, in offset order, and their warehouse rows; null when it has none.</summary>
    private PartitionBatch? GroupByUserBucket(IList<SequentialItem<PartitionEvent>> items)
    {
        var byBucket = new Dictionary<string, List<PartitionEvent>>(StringComparer.Ordinal);
        var plays = warehouse.IsEnabled ? new List<WarehousePlay>(items.Count) : null;
        var lastOffset = -1L;
        var firstOffset = long.MaxValue;
        foreach (var item in items)
        {
            var e = item.Item;
            if (e.Partition != _partition)
            {
                LogForeignPartition(logger, e.Partition, e.Offset, _partition);
                continue;
            }

            var bucket = UserBuckets.KeyOf(e.Event.UserId);
            if (!byBucket.TryGetValue(bucket, out var events))
            {
                byBucket[bucket] = events = [];
            }

            events.Add(e);
            plays?.Add(new WarehousePlay(e.Event, e.Partition, e.Offset, _catalog.TryGet(e.Event.TrackId, out var track) ? track.Genres : []));
            lastOffset = Math.Max(lastOffset, e.Offset);
            firstOffset = Math.Min(firstOffset, e.Offset);
        }

        return lastOffset < 0 ? null : new PartitionBatch(byBucket, plays, firstOffset, lastOffset);
    }

    /// <summary>Every user bucket's events of the batch to that bucket, in parallel: listeners decide what counts.</summary>
    private Task<UserBucketAttempt[]> ApplyUsersAsync(PartitionBatch batch) =>
        Task.WhenAll(batch.ByUserBucket.Select(entry => ApplyUserBucketAsync(entry.Key, _poison.Pending(entry.Value))));

    /// <summary>The training snapshots the listeners asked for: built before any of the batch's plays goes further.</summary>
    private static IEnumerable<SnapshotRequest> SnapshotsOf(UserBucketAttempt[] attempts) =>
        attempts.SelectMany(a => a.Result?.Users ?? []).SelectMany(u => u.Snapshots ?? []);

    /// <summary>
    /// Bucket and count grains keep one watermark per partition, moved to the end of each delta. A delta without
    /// the plays of a user whose call failed would let them drop those plays when the replay brings
    /// them: no bucket gets anything of an incomplete batch, and nothing is declared past it until a
    /// replay has processed it whole.
    /// </summary>
    private void TrackGap(PartitionBatch batch, bool complete)
    {
        if (complete)
        {
            CloseGap(batch.FirstOffset, batch.LastOffset);
        }
        else
        {
            OpenGap(batch.FirstOffset, batch.LastOffset);
        }
    }

    /// <summary>
    /// Records what each user bucket now holds and sums the batch's counters; the plays the listeners
    /// counted become the deltas of the co-occurrence buckets and count grains, only for a complete batch.
    /// </summary>
    private (BatchDeltas Deltas, BatchCounts Counts) CollectUserResults(UserBucketAttempt[] attempts, bool complete)
    {
        var deltas = _deltas;
        deltas.Clear();
        var counts = new BatchCounts();
        foreach (var attempt in attempts)
        {
            if (attempt.Result is not { } result)
            {
                continue;
            }

            Fed(attempt.Grain, attempt.LastOffset, result.DurableNextOffset, result.Activation);
            var numbered = result.ItemNumbering == ItemIds.Numbering;
            foreach (var user in result.Users)
            {
                counts = counts.Add(user);
                foreach (var play in complete ? user.Counted : [])
                {
                    deltas.Add(user.UserId, play, numbered);
                }
            }
        }

        return (deltas, counts);
    }

    /// <summary>One delta per co-occurrence bucket and per count kind, all in parallel, each built from the reused <see cref="BatchDeltas"/> before any is sent.</summary>
    private Task ApplyFeatureDeltasAsync(BatchDeltas deltas, long lastOffset) => Task.WhenAll(
    [
        ApplyBucketDeltasAsync(deltas, lastOffset),
        ApplyOccurrencesAsync(ItemKinds.Track, [.. deltas.TrackOccurrences], lastOffset),
        ApplyOccurrencesAsync(ItemKinds.Artist, [.. deltas.ArtistOccurrences], lastOffset),
        .. deltas.PlayCounts.Select(kind => ApplyOccurrencesAsync(kind.Key, [.. kind.Value], lastOffset)),
    ]);

    /// <summary>
    /// Every event of the batch, replays and resends included: the warehouse keeps the first row of
    /// each eventId. Waits while the sink's buffer is full, which slows this partition down.
    /// </summary>
    private async Task WriteWarehouseAsync(PartitionBatch batch)
    {
        if (batch.Plays is not null)
        {
            await warehouse.WritePlaysAsync(_partition, batch.Plays);
        }
    }

    private void RecordProcessed(long lastOffset, BatchCounts counts)
    {
        _nextOffset = Math.Max(_nextOffset, lastOffset + 1);
        _processed += counts.Applied + counts.Duplicates;
        _duplicates += counts.Duplicates;
        _replays += counts.Replays;
        stats.RecordProcessed(counts.Applied + counts.Duplicates, counts.Duplicates, counts.Replays);
    }

    /// <summary>Every delta is built before the first is sent: the builders are cleared for the next batch.</summary>
    private Task ApplyBucketDeltasAsync(BatchDeltas deltas, long lastOffset)
    {
        var sends = new List<Task>(deltas.Buckets.Count);
        foreach (var (key, bucket) in deltas.Buckets)
        {
            if (!bucket.IsEmpty)
            {
                var grain = GrainFactory.Get<ICoOccurrenceBucketGrain>(key);
                var delta = bucket.Build(_partition, lastOffset, FedActivationOf(grain.GetGrainId()), ItemIds.Numbering);
                sends.Add(ApplyBucketDeltaAsync(grain, delta, Math.Min(bucket.FirstOffset, lastOffset)));
            }
        }

        return Task.WhenAll(sends);
    }

    private async Task ApplyBucketDeltaAsync(ICoOccurrenceBucketGrain grain, CoOccurrenceDelta delta, long firstOffset)
    {
        if (await TryApplyAsync(grain.GetGrainId(), firstOffset, delta.LastOffset, () => grain.ApplyAsync(delta)) is { } result)
        {
            Fed(grain.GetGrainId(), delta.LastOffset, result.DurableNextOffset, result.Activation);
            foreach (var trending in result.Trending ?? [])
            {
                _trending[trending.TrackId] = trending;
            }
        }
    }

    /// <summary>
    /// Counts of one kind go to that kind's counts grain, one call per batch, and only for batches
    /// that brought some: its watermark for this partition then stays where its last occurrence was.
    /// </summary>
    private async Task ApplyOccurrencesAsync(string kind, ItemOccurrence[] occurrences, long lastOffset)
    {
        if (occurrences.Length == 0)
        {
            return;
        }

        var grain = GrainFactory.Get<IOccurrenceCountsGrain>(kind);
        var delta = new OccurrenceDelta(_partition, lastOffset, occurrences, FedActivationOf(grain.GetGrainId()), ItemIds.Numbering);
        if (await TryApplyAsync(grain.GetGrainId(), occurrences[0].Offset, lastOffset, () => grain.ApplyAsync(delta)) is { } result)
        {
            Fed(grain.GetGrainId(), lastOffset, result.DurableNextOffset, result.Activation);
        }
    }

    /// <summary>
    /// Feeds one user bucket its listeners' events of a batch. Done is false when the call failed (the
    /// partition replays); a result is null also when every event was dead-lettered (see <see cref="PoisonGuard"/>).
    /// </summary>
    private async Task<UserBucketAttempt> ApplyUserBucketAsync(string bucket, List<PartitionEvent> events)
    {
        var grain = GrainFactory.Get<IUserBucketGrain>(bucket);
        var id = grain.GetGrainId();
        if (events.Count == 0)
        {
            return new UserBucketAttempt(id, -1, null, true);
        }

        if (!_poison.IsSuspect(id, events[0].Offset))
        {
            var result = await TryApplyAsync(id, events[0].Offset, events[^1].Offset,
                () => grain.ApplyAsync(new UserBucketBatch(_partition, ByUser(events), FedActivationOf(id))));
            return new UserBucketAttempt(id, events[^1].Offset, result, result is not null);
        }

        var isolated = await TryApplyAsync(id, events[0].Offset, events[^1].Offset, () => _poison.IsolateAsync(
            id, events, e => grain.ApplyAsync(new UserBucketBatch(_partition, [new UserEvents(e.Event.UserId, [e])], FedActivationOf(id))), deadLetters));
        if (isolated is null)
        {
            return new UserBucketAttempt(id, -1, null, false);
        }

        // The failed calls recorded the grain as sent up to the end of the range; it was sent only what it applied.
        if (_undurable.TryGetValue(id, out var known))
        {
            var trimmed = known with { LastSent = Math.Max(known.DurableNext - 1, events[0].Offset - 1) };
            if (trimmed.DurableNext > trimmed.LastSent)
            {
                _undurable.Remove(id);
            }
            else
            {
                _undurable[id] = trimmed;
            }
        }

        stats.RecordRejected(isolated.DeadLettered);
        return new UserBucketAttempt(id, isolated.LastApplied, isolated.Result, true);
    }

    /// <summary>A bucket's events (in offset order) as each listener's, still in offset order.</summary>
    private static UserEvents[] ByUser(List<PartitionEvent> events)
    {
        var byUser = new Dictionary<string, List<PartitionEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!byUser.TryGetValue(e.Event.UserId, out var own))
            {
                byUser[e.Event.UserId] = own = [];
            }

            own.Add(e);
        }

        var users = new UserEvents[byUser.Count];
        var i = 0;
        foreach (var (userId, own) in byUser)
        {
            users[i++] = new UserEvents(userId, [.. own]);
        }

        return users;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(logger, ex, _partition);
        return Task.CompletedTask;
    }

    public Task ReportDurableAsync(GrainId grain, long nextOffset)
    {
        Durable(grain, nextOffset);
        return Task.CompletedTask;
    }

    public Task<PartitionStatus> GetStatusAsync() => Task.FromResult(new PartitionStatus(
        _partition, _nextOffset, _declared, _undurable.Count, _processed, _duplicates, _replays));

    /// <summary>The activation of <paramref name="grain"/> that may hold effects of this partition only in memory, if known.</summary>
    private Guid FedActivationOf(GrainId grain) => _undurable.GetValueOrDefault(grain).Activation;

    /// <summary>Records that <paramref name="grain"/> was sent offsets up to <paramref name="lastSent"/> and is durable below <paramref name="durableNext"/>.</summary>
    private void Fed(GrainId grain, long lastSent, long durableNext, Guid activation)
    {
        var known = _undurable.GetValueOrDefault(grain);
        if (known.Since != default && (durableNext < known.DurableNext || (known.Activation != Guid.Empty && activation != known.Activation)))
        {
            Lost(grain, known, durableNext);
            known = default;
        }

        if (durableNext > lastSent)
        {
            _undurable.Remove(grain);
            return;
        }

        _undurable[grain] = known.Since == default
            ? new Undurable(durableNext, lastSent, DateTime.UtcNow, activation)
            : new Undurable(durableNext, Math.Max(known.LastSent, lastSent), known.Since, activation);
    }

    private async Task RequestReplayIfNeededAsync()
    {
        if (!_replayRequested)
        {
            return;
        }

        try
        {
            _fence.Expect(await Checkpoint.RequestReplayAsync());
            _replayRequested = false;
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            // Asked again after the next batch or check; the gap keeps the checkpoint below the loss meanwhile.
            LogReplayRequestFailed(logger, exception, _partition);
        }
    }

    /// <summary>Nothing is declared from <paramref name="from"/> on until a replay has processed it again.</summary>
    private void OpenGap(long from, long to) =>
        _gap = _gap is { } gap ? (Math.Min(gap.From, from), Math.Max(gap.To, to)) : (from, to);

    /// <summary>A batch processed in full closes the part of the gap it covers.</summary>
    private void CloseGap(long firstOffset, long lastOffset)
    {
        if (_gap is { } gap && firstOffset <= gap.From)
        {
            var from = Math.Max(gap.From, lastOffset + 1);
            _gap = from > gap.To ? null : (from, gap.To);
        }
    }

    /// <summary>
    /// Applies a batch to one grain. A call that fails (the grain's silo just died, a timeout, or a new
    /// activation refused a batch meant for the one that died) must not fail the batch, or the stream
    /// would skip it while later batches move the checkpoint on: the grain is recorded as durable only
    /// below the batch's first offset for it, its activation as unknown (the replay goes to whichever
    /// answers), and the partition is replayed.
    /// </summary>
    private async Task<TResult?> TryApplyAsync<TResult>(GrainId grain, long firstOffset, long lastOffset, Func<Task<TResult>> apply)
        where TResult : class
    {
        try
        {
            var result = await apply();
            _poison.Succeeded(grain);
            return result;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogApplyFailed(logger, exception, grain, _partition, firstOffset);
            _poison.Failed(grain, firstOffset, exception);
            var known = _undurable.GetValueOrDefault(grain);
            _undurable[grain] = known.Since == default
                ? new Undurable(firstOffset, lastOffset, DateTime.UtcNow, Guid.Empty)
                : known with { DurableNext = Math.Min(known.DurableNext, firstOffset), LastSent = Math.Max(known.LastSent, lastOffset), Activation = Guid.Empty };
            _replayRequested = true;
            return null;
        }
    }

    /// <summary>
    /// A grain came back durable only below offsets it had been sent: it died holding them in memory.
    /// The committed offset is still below them, so a replay of the partition gives them back to it.
    /// </summary>
    private void Lost(GrainId grain, Undurable known, long durableNext)
    {
        LogLost(logger, grain, _partition, durableNext, known.LastSent);

        // The gap holds the checkpoint below the loss until the replay has processed it again. The grain
        // is tracked again from what the replay feeds it: a grain the replay feeds nothing (its lost
        // watermark moved past offsets that held nothing for it) has nothing to get back, and waiting
        // for it to become durable past the old offsets would hold the checkpoint for ever.
        _undurable.Remove(grain);
        OpenGap(Math.Min(known.DurableNext, durableNext), known.LastSent);
        _replayRequested = true;
    }

    /// <summary>
    /// Grains that stayed undurable for longer than their write interval are asked to write; one that
    /// answers below what it was sent has lost it (its silo died and it was activated again).
    /// </summary>
    private async Task CheckUndurableAsync()
    {
        var stale = DateTime.UtcNow - 2 * featureState.Value.WriteInterval;
        foreach (var (grain, known) in _undurable.Where(e => e.Value.Since < stale).ToList())
        {
            var flushed = await GrainFactory.GetGrain<IFeatureGrain>(grain).FlushAsync(_partition);
            if (flushed.NextOffset <= known.LastSent || (known.Activation != Guid.Empty && flushed.Activation != known.Activation))
            {
                Lost(grain, known, Math.Min(known.DurableNext, flushed.NextOffset));
            }
            else
            {
                Durable(grain, flushed.NextOffset);
            }
        }

        await RequestReplayIfNeededAsync();
        await DeclareAsync();
    }

    private void Durable(GrainId grain, long durableNext)
    {
        if (!_undurable.TryGetValue(grain, out var known))
        {
            return;
        }

        if (durableNext > known.LastSent)
        {
            _undurable.Remove(grain);
        }
        else if (durableNext > known.DurableNext)
        {
            _undurable[grain] = known with { DurableNext = durableNext };
        }
    }

    private async Task DeclareAsync()
    {
        if (_nextOffset < 0)
        {
            return;
        }

        var safe = Math.Min(_nextOffset, warehouse.DurableNextOffset(_partition));
        foreach (var undurable in _undurable.Values)
        {
            safe = Math.Min(safe, undurable.DurableNext);
        }

        if (safe > _declared)
        {
            await Checkpoint.DeclareDurableAsync(safe);
            _declared = safe;
            _poison.ForgetBelow(safe);
        }
    }

    private async Task FlushTrendingAsync()
    {
        if (_trending.Count == 0)
        {
            return;
        }

        var entries = _trending.Values.ToArray();
        _trending.Clear();
        var byGenre = new Dictionary<string, List<TrendingEntry>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var genres = entry.Genres ?? (_catalog.TryGet(entry.TrackId, out var track) ? track.Genres : []);
            foreach (var genre in genres)
            {
                if (!byGenre.TryGetValue(genre, out var list))
                {
                    byGenre[genre] = list = [];
                }

                list.Add(entry);
            }
        }

        var updates = byGenre.Select(g => GrainFactory.Get<ITrendingGrain>(g.Key).UpdateAsync([.. g.Value])).ToList();
        updates.Add(GrainFactory.Get<ITrendingGrain>(TrendingKeys.All).UpdateAsync(entries));
        await Task.WhenAll(updates);
    }

    /// <param name="DurableNext">The grain's effects below this offset are durable.</param>
    /// <param name="LastSent">The highest offset sent to the grain.</param>
    /// <param name="Since">When the grain was first sent something not yet durable.</param>
    /// <param name="Activation">The activation holding it (empty when a call failed before it answered).</param>
    private readonly record struct Undurable(long DurableNext, long LastSent, DateTime Since, Guid Activation);

    /// <summary>This partition's events of one batch.</summary>
    /// <param name="ByUserBucket">Each user bucket's events, in offset order.</param>
    /// <param name="Plays">The warehouse rows, null when there is no warehouse.</param>
    private sealed record PartitionBatch(Dictionary<string, List<PartitionEvent>> ByUserBucket, List<WarehousePlay>? Plays, long FirstOffset, long LastOffset);

    /// <summary>What feeding one user bucket its events of a batch gave.</summary>
    /// <param name="LastOffset">The highest offset recorded as sent to the grain (-1: none).</param>
    /// <param name="Result">Null when the call failed, or when every event was dead-lettered.</param>
    /// <param name="Done">False when the call failed: the partition replays.</param>
    private readonly record struct UserBucketAttempt(GrainId Grain, long LastOffset, UserBucketResult? Result, bool Done);

    /// <summary>A batch's counters, summed over its listeners.</summary>
    private readonly record struct BatchCounts(int Applied, int Duplicates, int Replays)
    {
        public BatchCounts Add(UserOutcome result) =>
            new(Applied + result.Applied, Duplicates + result.Duplicates, Replays + result.Replays);
    }

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Batch of partition {Partition} ({Events} events, {UserBuckets} user buckets, {Buckets} co-occurrence buckets) took {TookMs:F0} ms: listeners {UsersMs:F0} ms, buckets and counts {DeltasMs:F0} ms; the partition's next plays waited for it ({SlowBatches} batches slower than 2 s since the last such line)")]
    private static partial void LogSlowBatch(ILogger logger, int partition, int events, int userBuckets, int buckets, double tookMs, double usersMs, double deltasMs, int slowBatches);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Event of partition {EventPartition} at offset {Offset} arrived on the stream of partition {Partition}; ignored")]
    private static partial void LogForeignPartition(ILogger logger, int eventPartition, long offset, int partition);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Batch of partition {Partition} from offset {Offset} was read before the replay it waits for; ignored")]
    private static partial void LogBeforeReplay(ILogger logger, int partition, long offset);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Stream error on partition {Partition}")]
    private static partial void LogStreamError(ILogger logger, Exception exception, int partition);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Asking for a replay of partition {Partition} failed; will ask again")]
    private static partial void LogReplayRequestFailed(ILogger logger, Exception exception, int partition);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Applying offsets from {Offset} of partition {Partition} to {Grain} failed; the partition will be replayed")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, GrainId grain, int partition, long offset);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Grain {Grain} is durable only below offset {DurableNext} of partition {Partition} but was sent up to {LastSent}: it lost them; replaying the partition")]
    private static partial void LogLost(ILogger logger, GrainId grain, int partition, long durableNext, long lastSent);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Grain {Grain} could not flush partition {Partition} while the partition grain stopped")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, GrainId grain, int partition);
}
