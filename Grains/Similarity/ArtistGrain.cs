using Encore.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Similarity;

internal sealed class ArtistGrain(
    [PersistentState("artist", Constants.GrainStorage)] IPersistentState<ArtistState> state,
    OccurrenceCache occurrences,
    IOptions<FeatureStateOptions> stateOptions,
    ILogger<ArtistGrain> logger) : Grain, IArtistGrain
{
    private readonly NeighbourCache _nearest = new();
    private FeatureStatePersister<ArtistState> _persister = null!;

    private ArtistState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persister = new FeatureStatePersister<ArtistState>(this, GrainFactory, state, stateOptions, logger);
        _persister.Start();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _persister.StopAsync();

    public async Task<CoOccurrenceApplyResult> ApplyAsync(CoOccurrenceDelta delta)
    {
        _persister.EnsureFedActivation(delta.ExpectedActivation, delta.Partition);
        var watermark = S.AppliedOffsets.GetValueOrDefault(delta.Partition, -1);
        var applied = S.Items.Apply(watermark, delta.Occurrences, delta.Hits, CoOccurrences.ArtistCapacity, ItemKinds.Artist, occurrences);
        if (applied > 0)
        {
            _nearest.Changed();
        }

        if (delta.LastOffset > watermark)
        {
            S.AppliedOffsets[delta.Partition] = delta.LastOffset;
        }

        await _persister.ChangedAsync(applied, delta.Partition);
        return new CoOccurrenceApplyResult(_persister.DurableNextOffset(delta.Partition), applied, _persister.Activation);
    }

    public async Task<DurableOffset> FlushAsync(int partition)
    {
        await _persister.PersistAsync();
        return new DurableOffset(_persister.DurableNextOffset(partition), _persister.Activation);
    }

    public Task<ItemNeighbours> GetNeighboursAsync(int count) =>
        Task.FromResult(new ItemNeighbours(S.Items.Occurrences, _nearest.Nearest(S.Items, count, a => occurrences.CountOf(ItemKinds.Artist, a))));
}

/// <summary>An artist grain's state: its co-occurrences and per-partition applied offsets.</summary>
[GenerateSerializer]
public sealed class ArtistState : IHasAppliedOffsets
{
    [Id(0)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];
    [Id(1)] public CoOccurrences Items { get; set; } = new();
}
