using Microsoft.Extensions.Options;

namespace Encore.Pipeline;

/// <summary>
/// The write-every-N-or-T policy of a feature grain, and the bookkeeping that says how far each
/// partition's effects are durable: the applied offsets that were last written with the state.
/// After a write that moved a partition's durable offset, it tells that partition's grain (one-way).
/// </summary>
internal sealed class FeatureStatePersister<TState>(
    Grain grain,
    IGrainFactory grainFactory,
    IPersistentState<TState> state,
    IOptions<FeatureStateOptions> options)
    where TState : IHasAppliedOffsets
{
    private readonly FeatureStateOptions _options = options.Value;
    private readonly Dictionary<int, long> _written = [];
    private int _unwritten;
    private IGrainTimer? _timer;

    /// <summary>This activation: a new one knows only what was written.</summary>
    public Guid Activation { get; } = Guid.NewGuid();

    public void Start()
    {
        foreach (var (partition, offset) in state.State.AppliedOffsets)
        {
            _written[partition] = offset;
        }

        // With apply-is-durable storage nothing waits for a write, so no timer per activation: writes
        // happen every N changes and on deactivation.
        if (!_options.ApplyIsDurable)
        {
            _timer = grain.RegisterGrainTimer(
                _ => PersistAsync(),
                new GrainTimerCreationOptions(_options.WriteInterval, _options.WriteInterval) { Interleave = false, KeepAlive = false });
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
        if (_unwritten >= _options.WriteEveryEvents)
        {
            await ReportAsync(await WriteAsync(), except: partition);
        }
    }

    /// <summary>The offset of <paramref name="partition"/> below which this grain's effects are durable.</summary>
    public long DurableNextOffset(int partition) =>
        (_options.ApplyIsDurable ? state.State.AppliedOffsets : _written).GetValueOrDefault(partition, -1) + 1;

    /// <summary>Writes buffered changes, if any, and reports partitions whose durable offset moved.</summary>
    public async Task PersistAsync()
    {
        if (_unwritten == 0)
        {
            return;
        }

        await ReportAsync(await WriteAsync(), except: null);
    }

    public async Task StopAsync()
    {
        _timer?.Dispose();
        await PersistAsync();
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
        await state.WriteStateAsync();
        _unwritten = 0;
        var moved = new List<(int, long)>();
        foreach (var (partition, offset) in state.State.AppliedOffsets)
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
