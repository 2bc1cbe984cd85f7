using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// Spreads the partitions evenly over the active silos: with the silos in address order, silo k of n
/// reads partitions k, k + n, k + 2n, ... Orleans' default consistent-ring balancer places queues by
/// hash, so with a handful of partitions a silo can end up with none of them (with 4 partitions and 2
/// silos, one time in 16); Kafka partitions are few and each is a unit of parallelism, so this one
/// never leaves a silo idle while another reads two more partitions than it.
/// </summary>
internal sealed class EvenQueueBalancer(IServiceProvider services, ILogger<EvenQueueBalancer> logger)
    : QueueBalancerBase(services, logger), IStreamQueueBalancer
{
    private List<QueueId> _queues = [];
    private volatile SiloAddress[] _activeSilos = [];

    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<EvenQueueBalancer>(services);

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        _queues = [.. queueMapper.GetAllQueues().OrderBy(q => q.GetNumericId())];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues()
    {
        var silos = _activeSilos;
        var mine = Array.IndexOf(silos, SiloAddress);
        return mine < 0 ? [] : _queues.Where((_, i) => i % silos.Length == mine).ToList();
    }

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        _activeSilos = [.. activeSilos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)];
        NotifyListeners().Ignore();
    }
}
