using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers.Streams.Common;
using Orleans.TestingHost;

namespace Encore.Tests;

/// <summary>
/// Waits until a freshly started test cluster's stream queues have settled on their silos. While
/// silos join, each moves queues to the newcomers as its own membership view catches up, and a pulling
/// agent that gives a queue up drops what it had already taken from it: memory streams cannot read it
/// again, so an event published then is lost and the test waits for it in vain.
/// </summary>
internal static class StreamAgents
{
    public static async Task SettledAsync(TestCluster cluster, string provider, int queues)
    {
        var silos = cluster.Silos.Count;
        var agents = Array.Empty<int>();
        var views = Array.Empty<int>();
        await Eventually.TrueAsync(
            async () =>
            {
                // Every silo sees every other as active, so no balancer has a move still to make...
                views = [.. cluster.Silos.Select(ActiveMembersSeenBy)];
                if (views.Any(seen => seen != silos))
                {
                    return false;
                }

                // ...and between them they run exactly one agent per queue.
                var counts = await cluster.Client.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<PersistentStreamProvider>(
                    provider, (int)PersistentStreamProviderCommand.GetNumberRunningAgents);
                agents = [.. counts.Select(Convert.ToInt32)];
                return agents.Length == silos && agents.Sum() == queues;
            },
            () => $"{silos} silos each seeing all of them active ({string.Join(", ", views)}) and running {queues} stream agents between them ({string.Join(", ", agents)})");
    }

    private static int ActiveMembersSeenBy(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<IClusterMembershipService>()
            .CurrentSnapshot.Members.Values.Count(member => member.Status == SiloStatus.Active);
}
