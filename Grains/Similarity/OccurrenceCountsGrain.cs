using Encore.Features;
using Encore.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Similarity;

/// <remarks>
/// One call per partition batch, whatever the batch holds, so a single grain per kind keeps up. It
/// counts in an array indexed by each item's <see cref="ItemIds"/> number, which the deltas carry: an
/// increment per occurrence, where looking the name up in a dictionary of up to the catalog's size was
/// a few percent of a silo's time (docs/performance.md). The stored state keeps names; it is brought up
/// to date from the array when it is written, and snapshots are built from the array once per version
/// and shared by every silo asking for that version. It writes about once per write interval rather
/// than every few hundred changes.
/// </remarks>
internal sealed class OccurrenceCountsGrain(
    [PersistentState("occurrences", Constants.GrainStorage)] IPersistentState<OccurrenceCountsState> state,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<OccurrenceCountsGrain> logger) : Grain, IOccurrenceCountsGrain
{
    private FeatureStatePersister _persister = null!;
    private OccurrenceSnapshot? _snapshot;

    /// <summary>Each item's count by its number; what the stored <see cref="OccurrenceCountsState.Counts"/> is made from.</summary>
    private long[] _counts = [];

    /// <summary>Items counted at least once (counts only grow).</summary>
    private int _items;

    private OccurrenceCountsState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (item, count) in S.Counts)
        {
            CountOf(ItemIds.Of(item)) += count;
        }

        _persister = new FeatureStatePersister(this, GrainFactory, () => S.AppliedOffsets, WriteAsync, stateOptions, logger, writeEveryFactor: 1_000);
        _persister.Start();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<CoOccurrenceApplyResult> ApplyAsync(OccurrenceDelta delta)
    {
        _persister.EnsureFedActivation(delta.ExpectedActivation, delta.Partition);
        var watermark = S.AppliedOffsets.GetValueOrDefault(delta.Partition, -1);
        var numbered = delta.ItemNumbering == ItemIds.Numbering;
        var applied = 0;
        foreach (var occurrence in delta.Occurrences)
        {
            if (occurrence.Offset > watermark)
            {
                CountOf(numbered && occurrence.Number >= 0 ? occurrence.Number : ItemIds.Of(occurrence.Item))++;
                applied++;
            }
        }

        if (delta.LastOffset > watermark)
        {
            S.AppliedOffsets[delta.Partition] = delta.LastOffset;
        }

        if (applied > 0)
        {
            S.Version++;
        }

        await _persister.ChangedAsync(applied, delta.Partition);
        return new CoOccurrenceApplyResult(_persister.DurableNextOffset(delta.Partition), applied, _persister.Activation);
    }

    public Task<DurableOffset> FlushAsync(int partition) => _persister.FlushAsync(partition);

    public Task<OccurrenceSnapshot?> GetSnapshotAsync(long knownVersion)
    {
        if (S.Version == knownVersion)
        {
            return Task.FromResult<OccurrenceSnapshot?>(null);
        }

        if (_snapshot?.Version != S.Version)
        {
            _snapshot = new OccurrenceSnapshot(S.Version, Named(new Dictionary<string, long>(_items, StringComparer.Ordinal)));
        }

        return Task.FromResult<OccurrenceSnapshot?>(_snapshot);
    }

    public Task<long> GetCountAsync(string item) =>
        Task.FromResult(ItemIds.TryOf(item, out var number) && number < _counts.Length ? _counts[number] : 0);

    /// <summary>The count of item <paramref name="number"/>, to add to; the array grows to hold it.</summary>
    private ref long CountOf(int number)
    {
        if (number >= _counts.Length)
        {
            Array.Resize(ref _counts, Math.Max(number + 1, Math.Max(1_024, _counts.Length * 2)));
        }

        ref var count = ref _counts[number];
        if (count == 0)
        {
            _items++;
        }

        return ref count;
    }

    /// <summary>Every counted item's count into <paramref name="counts"/>, by name.</summary>
    private Dictionary<string, long> Named(Dictionary<string, long> counts)
    {
        for (var number = 0; number < _counts.Length; number++)
        {
            if (_counts[number] != 0)
            {
                counts[ItemIds.NameOf(number)] = _counts[number];
            }
        }

        return counts;
    }

    private Task WriteAsync()
    {
        Named(S.Counts);
        return state.WriteStateAsync();
    }
}

/// <summary>Every item's occurrences of one kind; one entry per item ever seen (bounded by the catalog).</summary>
[GenerateSerializer]
public sealed class OccurrenceCountsState : IHasAppliedOffsets
{
    [Id(0)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
    [Id(1)] public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public long Version { get; set; }
}
