
namespace Encore.Stats;

/// <summary>Sums the pipeline counters of every active silo.</summary>
public static class ClusterStats
{
    public static async Task<PipelineStatsSnapshot> GetAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var perSilo = await Task.WhenAll(hosts.Keys.Select(silo =>
            grains.GetGrain<ISiloStatsGrain>(silo.ToParsableString()).GetAsync()));
        return perSilo.Aggregate(PipelineStatsSnapshot.Empty, (sum, silo) => sum.Add(silo));
    }
}
