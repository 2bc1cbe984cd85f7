using Encore.Events;
using Encore.Stats;
using Encore.Streams.Kafka.Statistics;

namespace Encore.Silo.Kafka;

/// <summary>
/// Copies the Kafka provider's counters of this silo (rejections by reason, the partitions it reads) into the
/// pipeline stats the API sums over the cluster. The provider library knows nothing of Encore's stats.
/// </summary>
internal sealed class KafkaStatsBridge(
    [FromKeyedServices(Constants.StreamProvider)] KafkaStreamStatistics kafka, IPipelineStats stats) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private static readonly HashSet<string> ValidatorReasons = [.. Enum.GetNames<RejectReason>()];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rejected = new Dictionary<string, long>(StringComparer.Ordinal);
        var partitions = new HashSet<int>();
        using var timer = new PeriodicTimer(Period);
        do
        {
            foreach (var (kind, count) in kafka.RejectedByKind())
            {
                stats.RecordRejected(KnownReason(kind), (int)(count - rejected.GetValueOrDefault(kind)));
                rejected[kind] = count;
            }

            var snapshot = kafka.Snapshot();

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

    /// <summary>The validator's reasons by name; anything else (a message that could not be decoded at all) as one.</summary>
    private static string KnownReason(string kind) => ValidatorReasons.Contains(kind) ? kind : PipelineStats.OtherReason;
}
