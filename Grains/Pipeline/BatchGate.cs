using Microsoft.Extensions.Options;

namespace Encore.Pipeline;

/// <summary>
/// Bounds how many partition batches this silo applies at once (<see cref="PipelineOptions.BatchesInFlight"/>).
/// Every batch fans out into hundreds of grain calls, and a request's own calls wait behind them in the
/// thread pool's queue. Fewer batches at once leave that queue shorter, at the cost of ingestion when
/// it needs every core; waiting batches start in arrival order.
/// </summary>
public sealed class BatchGate
{
    private readonly SemaphoreSlim? _slots;

    public BatchGate(IOptions<PipelineOptions> options)
    {
        var limit = options.Value.BatchesInFlight;
        _slots = limit > 0 ? new SemaphoreSlim(limit, limit) : null;
    }

    /// <summary>Waits for a slot; disposing the result frees it.</summary>
    public async ValueTask<Slot> EnterAsync()
    {
        if (_slots is not null)
        {
            await _slots.WaitAsync();
        }

        return new Slot(_slots);
    }

    public readonly struct Slot(SemaphoreSlim? slots) : IDisposable
    {
        public void Dispose() => slots?.Release();
    }
}
