using System.Diagnostics;
using Encore.Catalog;
using Encore.Events;
using Encore.Features;
using Encore.Hosting;
using Encore.Pipeline;
using Encore.Ranking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Encore.Users;

/// <summary>Where a listener's features live: the user bucket grain for the userId's stable hash.</summary>
public static class UserBuckets
{
    /// <summary>
    /// Buckets of listeners. A partition batch makes at most this many calls to them, however many
    /// listeners it has; more buckets spread the applies over more turns (and silos) at once. A listener's
    /// state is stored under the listener's own id, not the bucket's, so changing it moves no data.
    /// </summary>
    public const int Count = 64;

    private static readonly string[] Keys = [.. Enumerable.Range(0, Count).Select(bucket => bucket.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static string KeyOf(string userId) => Keys[KeyHash.Bucket(userId, Count)];

    public static IUserBucketGrain UserBucketOf(this IGrainFactory grains, string userId) =>
        grains.Get<IUserBucketGrain>(KeyOf(userId));
}

/// <remarks>
/// Holds the listeners of its bucket that played or were read recently, each read from storage the first
/// time it is needed and written on its own, under the grain id a grain per listener would have
/// (<see cref="StorageIdOf"/>), so a bucket reads and writes only the listeners it touches. The writes
/// follow the usual policy (every N changes of the bucket or every interval, or when the activation
/// stops with apply-is-durable storage) and write every changed listener; a listener idle for
/// <see cref="FeatureStateOptions.ListenerIdleAge"/> is written and dropped from memory, as an idle
/// grain would be collected.
/// </remarks>
internal sealed class UserBucketGrain(
    [FromKeyedServices(Constants.GrainStorage)] IGrainStorage storage,
    CatalogHolder catalogHolder,
    TrainingLog trainingLog,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<UserBucketGrain> logger) : Grain, IUserBucketGrain
{
    /// <summary>The state name, and below the grain type, that a grain per listener stored its state under.</summary>
    private const string StateName = "user";
    private static readonly GrainType StoredType = GrainType.Create("user");

    /// <summary>Writes in flight at once: a bucket writing thousands of listeners must not take every database connection.</summary>
    private const int WritesAtOnce = 16;

    private readonly Dictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<Listener>> _loading = new(StringComparer.Ordinal);

    /// <summary>The last offset of each partition this activation applied: what a write makes durable.</summary>
    private readonly Dictionary<int, long> _applied = [];

    private FeatureStatePersister _persister = null!;
    private TrackCatalog _catalog = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _catalog = await catalogHolder.Loaded;

        // A new activation starts with no listener in memory, so nothing of it is durable yet: what the
        // previous one wrote is read listener by listener, with each listener's own watermarks.
        _persister = new FeatureStatePersister(this, GrainFactory, () => _applied, WriteChangedAsync, stateOptions, logger);
        _persister.Start();
        // Idle listeners are looked for every minute, or twice per idle age when that is shorter.
        var idleAge = stateOptions.Value.ListenerIdleAge;
        var every = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, idleAge.Ticks / 2));
        this.RegisterGrainTimer(() => EvictIdleAsync(idleAge), new GrainTimerCreationOptions(every, every) { Interleave = false, KeepAlive = false });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<UserBucketResult> ApplyAsync(UserBucketBatch batch)
    {
        _persister.EnsureFedActivation(batch.ExpectedActivation, batch.Partition);

        // Every listener is read in before any is changed: a read that fails (storage away, a userId it
        // refuses) fails the call with nothing applied.
        var listeners = await ListenersAsync(batch.Users);
        var outcomes = new UserOutcome[batch.Users.Length];
        var changes = 0;
        var lastOffset = _applied.GetValueOrDefault(batch.Partition, -1);
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var events = batch.Users[i].Events;
            outcomes[i] = Apply(listeners[i], events);
            changes += outcomes[i].Applied + outcomes[i].Duplicates;
            listeners[i].TouchedAt = now;
            if (events.Length > 0)
            {
                lastOffset = Math.Max(lastOffset, events[^1].Offset);
            }
        }

        if (lastOffset >= 0)
        {
            _applied[batch.Partition] = lastOffset;
        }

        await _persister.ChangedAsync(changes, batch.Partition);
        return new UserBucketResult(outcomes, _persister.DurableNextOffset(batch.Partition), _persister.Activation, ItemIds.Numbering);
    }

    public Task<DurableOffset> FlushAsync(int partition) => _persister.FlushAsync(partition);

    public async Task<UserProfile?> GetProfileAsync(string userId) => (await ListenerAsync(userId)).Profile(_catalog);

    public async Task<UserTaste?> GetTasteAsync(string userId) => (await ListenerAsync(userId)).Taste();

    /// <summary>
    /// One listener's events of a batch, in offset order: the exactly-once rules of a listener. Nothing
    /// here awaits, so no other call sees a listener half applied: a play sampled for a training
    /// snapshot only has the listener described before it, and the partition grain builds the
    /// candidates (<see cref="SnapshotTaker"/>) before the batch's plays reach any neighbour list.
    /// </summary>
    private UserOutcome Apply(Listener listener, PartitionEvent[] events)
    {
        var counted = new List<CountedPlay>(events.Length);
        List<SnapshotRequest>? snapshots = null;
        int applied = 0, duplicates = 0, replays = 0;
        foreach (var item in events)
        {
            var hash = KeyHash.Of(item.Event.EventId);
            var first = listener.FindSeen(hash);
            if (item.Offset <= listener.WatermarkOf(item.Partition))
            {
                // Already applied. Report it again if it counted then (it is the first occurrence of its
                // eventId), so that a bucket that lost its effect gets it back.
                replays++;
                if (first is not { } f || (f.Partition == item.Partition && f.Offset == item.Offset))
                {
                    counted.Add(listener.Recounted(item, _catalog));
                }

                continue;
            }

            listener.MoveWatermark(item.Partition, item.Offset);
            listener.Dirty = true;
            if (first is not null)
            {
                duplicates++;
                listener.CountDuplicate();
                continue;
            }

            listener.Remember(new SeenEvent(hash, item.Partition, item.Offset));
            if (trainingLog.IsSampled(hash, listener.Plays))
            {
                (snapshots ??= []).Add(new SnapshotRequest(listener.TasteNow(), item.Event.Ts));
            }

            counted.Add(listener.Apply(item, _catalog));
            applied++;
        }

        return new UserOutcome(listener.UserId, [.. counted], applied, duplicates, replays, snapshots?.ToArray());
    }

    /// <summary>
    /// The batch's listeners, in its order. Those in memory are taken as they are, and only the others
    /// awaited: a task per listener and batch was a fiftieth of what a pass allocated, when nearly every
    /// listener of a warm stream is in memory (docs/performance.md).
    /// </summary>
    private async Task<Listener[]> ListenersAsync(UserEvents[] users)
    {
        var listeners = new Listener[users.Length];
        List<(int At, Task<Listener> Read)>? reads = null;
        for (var i = 0; i < users.Length; i++)
        {
            if (!_listeners.TryGetValue(users[i].UserId, out listeners[i]!))
            {
                (reads ??= []).Add((i, ListenerAsync(users[i].UserId)));
            }
        }

        if (reads is not null)
        {
            await Task.WhenAll(reads.Select(r => r.Read));
            foreach (var (at, read) in reads)
            {
                listeners[at] = await read;
            }
        }

        return listeners;
    }

    /// <summary>The listener in memory, or read from storage; one read per listener however many calls want it at once.</summary>
    private async Task<Listener> ListenerAsync(string userId)
    {
        if (_listeners.TryGetValue(userId, out var listener))
        {
            return listener;
        }

        if (!_loading.TryGetValue(userId, out var loading))
        {
            _loading[userId] = loading = ReadAsync(userId);
        }

        try
        {
            return await loading;
        }
        finally
        {
            // Only this read's entry: after a failed read, a later call may have started another.
            if (_loading.TryGetValue(userId, out var current) && current == loading)
            {
                _loading.Remove(userId);
            }
        }
    }

    private async Task<Listener> ReadAsync(string userId)
    {
        var stored = new GrainState<UserState>(new UserState());
        await storage.ReadStateAsync(StateName, StorageIdOf(userId), stored);
        stored.State ??= new UserState();
        var listener = new Listener(userId, stored) { TouchedAt = Stopwatch.GetTimestamp() };
        _listeners[userId] = listener;
        return listener;
    }

    /// <summary>Writes every changed listener; the persister then knows everything applied so far is durable.</summary>
    private Task WriteChangedAsync() => WriteAsync([.. _listeners.Values.Where(l => l.Dirty)]);

    private async Task WriteAsync(List<Listener> listeners)
    {
        for (var i = 0; i < listeners.Count; i += WritesAtOnce)
        {
            await Task.WhenAll(listeners.Skip(i).Take(WritesAtOnce).Select(WriteAsync));
        }
    }

    private async Task WriteAsync(Listener listener)
    {
        await storage.WriteStateAsync(StateName, StorageIdOf(listener.UserId), listener.Stored);
        listener.Dirty = false;
    }

    /// <summary>Listeners idle for <paramref name="idleAge"/> are written if they changed, then dropped: read again when they next play.</summary>
    private async Task EvictIdleAsync(TimeSpan idleAge)
    {
        var now = Stopwatch.GetTimestamp();
        var idle = _listeners.Values.Where(l => Stopwatch.GetElapsedTime(l.TouchedAt, now) >= idleAge).ToList();
        if (idle.Count == 0)
        {
            return;
        }

        await WriteAsync([.. idle.Where(l => l.Dirty)]);
        foreach (var listener in idle)
        {
            _listeners.Remove(listener.UserId);
        }
    }

    private static GrainId StorageIdOf(string userId) => GrainId.Create(StoredType, userId);
}
