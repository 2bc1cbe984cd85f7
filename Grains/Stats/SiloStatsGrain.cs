namespace Encore.Stats;

[SiloKeyedPlacement]
internal sealed class SiloStatsGrain(IPipelineStats stats) : Grain, ISiloStatsGrain
{
    public Task<PipelineStatsSnapshot> GetAsync() => Task.FromResult(stats.Snapshot());
}
