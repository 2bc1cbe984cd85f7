namespace Encore.Pipeline;

/// <summary>
/// What a partition grain needs from every grain it feeds: a way to make buffered state durable.
/// Feature grains write their state every N events or T interval; until then their effects live only
/// in memory and the partition grain must not let the checkpoint pass them.
/// </summary>
public interface IFeatureGrain : IGrainWithStringKey
{
    /// <summary>
    /// Writes any buffered state now and returns the offset of <paramref name="partition"/> below
    /// which this grain's effects are durable.
    /// </summary>
    Task<DurableOffset> FlushAsync(int partition);
}

/// <summary>
/// How far a feature grain's effects on a partition are durable, and which activation says so. A new
/// activation holds nothing the previous one kept only in memory: when the activation changes while a
/// partition grain knows it sent the old one offsets that were not durable, those effects were lost.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DurableOffset([property: Id(0)] long NextOffset, [property: Id(1)] Guid Activation);
