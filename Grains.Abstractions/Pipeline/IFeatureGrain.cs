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
    Task<long> FlushAsync(int partition);
}
