using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Encore.Pipeline;

/// <summary>
/// The write-every-N-or-T policy of a feature grain, and the bookkeeping that says how far each
/// partition's effects are durable: the applied offsets that were last written with the state.
/// After a write that moved a partition's durable offset, it tells that partition's grain (one-way).
/// A write that fails (the database is away) changes nothing durable: the changes stay counted as
/// unwritten and the next write takes them along.
/// </summary>
/// <param name="appliedOffsets">The applied offsets the next write stores, per partition.</param>
/// <param name="write">Writes the grain's state (everything changed since the last write).</param>
/// <param name="writeEveryFactor">
/// Multiplies <see cref="FeatureStateOptions.WriteEveryEvents"/> for a grain whose state is large and
/// changes often (the occurrence counts), so that it writes about once per interval instead.
/// </param>
internal sealed class FeatureStatePersister(
    Grain grain,
    IGrainFactory grainFactory,
    Func<IReadOnlyDictionary<int, long>> appliedOffsets,
    Func<Task> write,
    IOptions<FeatureStateOptions> options,
    ILogger logger,
    int writeEveryFactor = 1)
{
    private readonly FeatureStateOptions _options = options.Value;
    private readonly long _writeEvery = (long)options.Value.WriteEveryEvents * writeEveryFactor;
    private readonly Dictionary<int, long> _written = [];
    private int _unwritten;
    private IGrainTimer? _timer;

    /// <summary>This activation: a new one knows only what was written.</summary>
    public Guid Activation { get; } = ActivationIds.Next();

    /// <summary>
    /// Refuses a batch meant for another activation of this grain (one that died holding effects only
    /// in memory): applying it would move this activation's watermark past what the other one lost.
    /// The sender asks for a replay, which brings the lost effects back first.
    /// </summary>
    public void EnsureFedActivation(Guid expected, int partition)
    {
        if (expected != Guid.Empty && expected != Activation)
        {
            throw new InvalidOperationException(
                $"This is a new activation ({Activation}); the batch of partition {partition} was meant for {expected}, which lost what it held in memory.");
        }
    }

    /// <summary>The persister of a grain whose whole state is one <see cref="IPersistentState{TState}"/>.</summary>
    public static FeatureStatePersister Of<TState>(
        Grain grain, IGrainFactory grainFactory, IPersistentState<TState> state, IOptions<FeatureStateOptions> options, ILogger logger, int writeEveryFactor = 1)
        where TState : IHasAppliedOffsets =>
        new(grain, grainFactory, () => state.State.AppliedOffsets, state.WriteStateAsync, options, logger, writeEveryFactor);

    public void Start()
    {
        foreach (var (partition, offset) in appliedOffsets())
        {
            _written[partition] = offset;
        }

        // With apply-is-durable storage nothing waits for a write, so no timer per activation: writes
        // happen every N changes and on deactivation. Otherwise the first tick lands anywhere in 0.5-1.5
        // intervals, so that grains activated together (a burst of new listeners, a silo start) do not
        // all write at the same moment ever after.
        if (!_options.ApplyIsDurable)
        {
            var due = _options.WriteInterval * (0.5 + Random.Shared.NextDouble());
            _timer = grain.RegisterGrainTimer(
                _ => PersistOnTimerAsync(),
                new GrainTimerCreationOptions(due, _options.WriteInterval) { Interleave = false, KeepAlive = false });
        }
    }

    /// <summary>
    /// Notes changes made by an apply of <paramref name="partition"/>'s events and writes the state if
    /// enough of them are buffered. The caller learns its own durable offset from the apply result;
    /// other partitions whose offsets the write made durable (a track grain is fed by many) are told
    /// here, or they would wait for this grain's next apply or flush to let their checkpoint move.
    /// </summary>
    public async Task ChangedAsync(int changes, int partition)
    {
        _unwritten += changes;

        // With apply-is-durable (memory) storage a write adds no durability: the state is written when
        // the activation stops, so that the next one, on this silo or another, starts from it. Writing
        // every N changes as well queued reads of new activations behind the storage grains' writes
        // until calls timed out (docs/performance.md).
        if (_options.ApplyIsDurable || _unwritten < _writeEvery)
        {
            return;
        }

        List<(int Partition, long Next)> moved;
        try
        {
            moved = await WriteAsync();
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            // The apply itself succeeded; only its durability waits (for the timer or the next apply),
            // and the partition's checkpoint with it. An InconsistentStateException (another
            // activation wrote this state) propagates, and Orleans deactivates this stale activation.
            FeatureStateLog.WriteFailed(logger, exception, grain.GetGrainId(), _unwritten);
            return;
        }

        await ReportAsync(moved, except: partition);
    }

    /// <summary>The offset of <paramref name="partition"/> below which this grain's effects are durable.</summary>
    public long DurableNextOffset(int partition) =>
        (_options.ApplyIsDurable ? appliedOffsets() : _written).GetValueOrDefault(partition, -1) + 1;

    /// <summary>Writes buffered changes, if any, and reports partitions whose durable offset moved.</summary>
    public async Task PersistAsync()
    {
        if (_unwritten == 0)
        {
            return;
        }

        await ReportAsync(await WriteAsync(), except: null);
    }

    /// <summary>Writes what is buffered, and says how far <paramref name="partition"/>'s effects are now durable, and in which activation.</summary>
    public async Task<DurableOffset> FlushAsync(int partition)
    {
        await PersistAsync();
        return new DurableOffset(DurableNextOffset(partition), Activation);
    }

    public async Task StopAsync()
    {
        _timer?.Dispose();
        await PersistAsync();
    }

    private async Task PersistOnTimerAsync()
    {
        try
        {
            await PersistAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote this state: this one is stale and must not write again.
            grain.DeactivateOnIdle();
            throw;
        }
        catch (Exception exception)
        {
            FeatureStateLog.WriteFailed(logger, exception, grain.GetGrainId(), _unwritten);
        }
    }

    private async Task ReportAsync(List<(int Partition, long Next)> moved, int? except)
    {
        if (_options.ApplyIsDurable)
        {
            return;
        }

        var self = grain.GetGrainId();
        foreach (var (partition, next) in moved)
        {
            if (partition != except)
            {
                await grainFactory.GetGrain<IPartitionGrain>(partition).ReportDurableAsync(self, next);
            }
        }
    }

    private async Task<List<(int Partition, long Next)>> WriteAsync()
    {
        await write();
        _unwritten = 0;
        var moved = new List<(int, long)>();
        foreach (var (partition, offset) in appliedOffsets())
        {
            if (!_written.TryGetValue(partition, out var written) || written < offset)
            {
                _written[partition] = offset;
                moved.Add((partition, offset + 1));
            }
        }

        return moved;
    }
}

/// <summary>
/// Ids of feature-grain activations, unique across silos and restarts: 64 random bits drawn once per
/// process, then a counter. <see cref="Guid.NewGuid"/> asks the operating system for randomness every
/// time, which was 1.5 % of a silo's thread time while new listeners arrived by the thousand.
/// </summary>
internal static class ActivationIds
{
    private static readonly long Process = BitConverter.ToInt64(Guid.NewGuid().ToByteArray());
    private static long _count;

    /// <summary>A new id, never <see cref="Guid.Empty"/> (which stands for "no activation known").</summary>
    public static Guid Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Process);
        BitConverter.TryWriteBytes(bytes[8..], Interlocked.Increment(ref _count));
        return new Guid(bytes);
    }
}

internal static partial class FeatureStateLog
{
    [LoggerMessage(EventId = 1250, Level = LogLevel.Warning, Message = "Grain {Grain} could not write its state ({Unwritten} changes unwritten); it will try again")]
    public static partial void WriteFailed(ILogger logger, Exception exception, GrainId grain, int unwritten);
}
