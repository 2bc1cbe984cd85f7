using Encore.Catalog;
using Encore.Events;
using Encore.Pipeline;

namespace Encore.Storage.Tests.Infrastructure;

/// <summary>Listening events on catalog tracks, pushed onto partition streams the way the Kafka provider delivers them.</summary>
internal static class Plays
{
    /// <summary>The synthetic catalog every silo loads when no catalog path is configured.</summary>
    public static TrackCatalog Catalog { get; } = TrackCatalog.Synthetic();

    public static string[] Tracks(int count, int skip = 0) => [.. Catalog.Tracks.Skip(skip).Take(count).Select(t => t.TrackId)];

    /// <summary>Tracks no two of which share an artist.</summary>
    public static string[] TracksOfDistinctArtists(int count, int skip = 0)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return [.. Catalog.Tracks.Skip(skip).Where(t => t.Artists.Length > 0 && !t.Artists.Any(taken.Contains) && t.Artists.All(taken.Add)).Take(count).Select(t => t.TrackId)];
    }

    public static ListeningEvent Event(string userId, string trackId, DateTimeOffset ts, long msPlayed = 200_000, string? eventId = null) => new()
    {
        EventId = eventId ?? Guid.NewGuid().ToString("N"),
        UserId = userId,
        TrackId = trackId,
        Ts = ts,
        MsPlayed = msPlayed,
        Platform = "android",
        Country = "SE",
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
        var partition = events[0].Partition;
        var last = events.Max(e => e.Offset);
        await Eventually.TrueAsync(
            async () => (await client.GetGrain<IPartitionGrain>(partition).GetStatusAsync()).NextOffset > last,
            $"partition {partition} processed offset {last}");
    }
}
