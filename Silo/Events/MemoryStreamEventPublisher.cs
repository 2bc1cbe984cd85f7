using Encore.Events;
using Encore.Features;
using Encore.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Events;

/// <summary>
/// Publishes straight onto the partition streams of the memory stream provider, playing the part of
/// Kafka: the partition is a stable hash of the userId (so a user's events stay in order on one
/// partition) and offsets are numbered per partition by this silo. Only meaningful with one silo
/// publishing; the Kafka producer replaces it.
/// </summary>
internal sealed class MemoryStreamEventPublisher(IClusterClient client, IOptions<PartitionSettings> settings) : IEventPublisher
{
    private readonly int _partitions = settings.Value.Partitions;
    private readonly Dictionary<int, (SemaphoreSlim Gate, long[] NextOffset)> _partitionState = [];
    private readonly Lock _lock = new();

    public async Task PublishAsync(IReadOnlyList<ListeningEvent> events, CancellationToken cancellationToken)
    {
        var provider = client.GetStreamProvider(Constants.StreamProvider);
        foreach (var group in events.GroupBy(e => KeyHash.Bucket(e.UserId, _partitions)))
        {
            var (gate, next) = StateOf(group.Key);

            // Offsets must reach the stream in the order they were numbered: one publish at a time per partition.
            await gate.WaitAsync(cancellationToken);
            try
            {
                var batch = group.Select(e => new PartitionEvent(group.Key, next[0]++, e)).ToList();
                var stream = provider.GetStream<PartitionEvent>(StreamId.Create(Constants.PartitionStreamNamespace, group.Key));
                await stream.OnNextBatchAsync(batch);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private (SemaphoreSlim, long[]) StateOf(int partition)
    {
        lock (_lock)
        {
            if (!_partitionState.TryGetValue(partition, out var state))
            {
                _partitionState[partition] = state = (new SemaphoreSlim(1, 1), new long[1]);
            }

            return state;
        }
    }
}
