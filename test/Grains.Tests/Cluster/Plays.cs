using Encore.Catalog;
using Encore.Events;
using Encore.Pipeline;

namespace Encore.Grains.Tests.Cluster;

/// <summary>Builds listening events on catalog tracks and pushes them onto partition streams.</summary>
internal static class Plays
{
    private static int _nextPartition = 1000;

    public static TrackCatalog Catalog => TestCatalogs.Synthetic;

    /// <summary>A partition number no other test uses, so offsets, watermarks and checkpoints start fresh.</summary>
    public static int NewPartition() => Interlocked.Increment(ref _nextPartition);

    /// <summary>Catalog track ids, <paramref name="count"/> distinct ones starting at <paramref name="skip"/>.</summary>
    public static string[] Tracks(int count, int skip = 0) => [.. Catalog.Tracks.Skip(skip).Take(count).Select(t => t.TrackId)];

    public static ListeningEvent Event(string userId, string trackId, DateTimeOffset ts, long msPlayed = 200_000, bool? skipped = null, string? eventId = null) => new()
    {
        EventId = eventId ?? Guid.NewGuid().ToString("N"),
        UserId = userId,
        TrackId = trackId,
        Ts = ts,
        MsPlayed = msPlayed,
        Skipped = skipped,
    };

    /// <summary>Numbers events with consecutive offsets from <paramref name="firstOffset"/>.</summary>
    public static PartitionEvent[] At(int partition, long firstOffset, params ListeningEvent[] events) =>
        [.. events.Select((e, i) => new PartitionEvent(partition, firstOffset + i, e))];

    public static Task PublishAsync(this IClusterClient client, params PartitionEvent[] events) =>
        client.GetStreamProvider(Constants.StreamProvider)
            .GetStream<PartitionEvent>(StreamId.Create(Constants.PartitionStreamNamespace, events[0].Partition))
            .OnNextBatchAsync(events);

    /// <summary>Publishes and waits until the partition grain has processed through the last offset.</summary>
    public static async Task PublishAndWaitAsync(this IClusterClient client, params PartitionEvent[] events)
    {
        await client.PublishAsync(events);
        await client.WaitProcessedAsync(events[0].Partition, events.Max(e => e.Offset));
    }

    public static Task WaitProcessedAsync(this IClusterClient client, int partition, long offset) =>
        Eventually.TrueAsync(
            async () => (await client.GetGrain<IPartitionGrain>(partition).GetStatusAsync()).NextOffset > offset,
            $"partition {partition} processed offset {offset}");
}
