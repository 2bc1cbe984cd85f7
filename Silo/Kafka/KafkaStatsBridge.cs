using Encore.Stats;
using Encore.Streams.Kafka.Statistics;

namespace Encore.Silo.Kafka;

/// <summary>
/// Copies the Kafka provider's counters of this silo (rejections, the partitions it reads) into the
/// pipeline stats the API sums over the cluster. The provider library knows nothing of Encore's stats.
/// </summary>
internal sealed class KafkaStatsBridge(
    [FromKeyedServices(Constants.StreamProvider)] KafkaStreamStatistics kafka, IPipelineStats stats) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rejected = 0L;
        var partitions = new HashSet<int>();
        using var timer = new PeriodicTimer(Period);
        do
        {
            var snapshot = kafka.Snapshot();
            stats.RecordRejected((int)(snapshot.Rejected - rejected));
            rejected = snapshot.Rejected;

            var current = new HashSet<int>();
            foreach (var partition in snapshot.Partitions)
            {
                stats.SetPartitionProgress(partition.Partition, partition.CommittedOffset, partition.Lag);
                current.Add(partition.Partition);
            }

            foreach (var gone in partitions.Except(current))
            {
                stats.RemovePartition(gone);
            }

            partitions = current;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
