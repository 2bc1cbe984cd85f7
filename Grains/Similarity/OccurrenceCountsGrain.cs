using System.Runtime.InteropServices;
using Encore.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Similarity;

/// <remarks>
/// One call per partition batch, whatever the batch holds, so a single grain per kind keeps up: it
/// does a dictionary increment per occurrence. Snapshots are copied once per version and shared by
/// every silo asking for that version. Its state holds an entry per item ever seen (up to the
/// catalog's size), so it writes about once per write interval rather than every few hundred changes.
/// </remarks>
internal sealed class OccurrenceCountsGrain(
    [PersistentState("occurrences", Constants.GrainStorage)] IPersistentState<OccurrenceCountsState> state,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<OccurrenceCountsGrain> logger) : Grain, IOccurrenceCountsGrain
{
    private FeatureStatePersister _persister = null!;
    private OccurrenceSnapshot? _snapshot;

    private OccurrenceCountsState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persister = FeatureStatePersister.Of(this, GrainFactory, state, stateOptions, logger, writeEveryFactor: 1_000);
        _persister.Start();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<CoOccurrenceApplyResult> ApplyAsync(OccurrenceDelta delta)
    {
        _persister.EnsureFedActivation(delta.ExpectedActivation, delta.Partition);
        var watermark = S.AppliedOffsets.GetValueOrDefault(delta.Partition, -1);
        var applied = 0;
        foreach (var occurrence in delta.Occurrences)
        {
            if (occurrence.Offset > watermark)
            {
                // One lookup instead of a read and a write: this runs for every occurrence of every batch.
                CollectionsMarshal.GetValueRefOrAddDefault(S.Counts, occurrence.Item, out _)++;
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
            _snapshot = new OccurrenceSnapshot(S.Version, new Dictionary<string, long>(S.Counts, StringComparer.Ordinal));
        }

        return Task.FromResult<OccurrenceSnapshot?>(_snapshot);
    }

    public Task<long> GetCountAsync(string item) => Task.FromResult(S.Counts.GetValueOrDefault(item));
}

/// <summary>Every item's occurrences of one kind; one entry per item ever seen (bounded by the catalog).</summary>
[GenerateSerializer]
public sealed class OccurrenceCountsState : IHasAppliedOffsets
{
    [Id(0)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
    [Id(1)] public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public long Version { get; set; }
}
