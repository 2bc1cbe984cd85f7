namespace Encore.Ranking;

/// <summary>
/// The model this silo scores with, or none (the heuristic scores). A request reads the reference once
/// and uses that model to the end, so a swap never changes a model under a request in flight.
/// </summary>
public sealed class ActiveRanker
{
    private RankerModel? _current;

    public RankerModel? Current => Volatile.Read(ref _current);

    /// <summary>Puts <paramref name="model"/> in place; returns the one it replaced.</summary>
    public RankerModel? Swap(RankerModel? model) => Interlocked.Exchange(ref _current, model);
}
