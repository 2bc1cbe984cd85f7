using Encore.Events;

namespace Encore.Warehouse;

/// <summary>One listening event as the warehouse stores it: the event, where it was read, and its track's genres.</summary>
public sealed record WarehousePlay(ListeningEvent Event, int Partition, long Offset, string[] Genres);

/// <summary>One answer of the recommender: the tracks in rank order with their scores.</summary>
public sealed record ServedRecommendation(string UserId, string ModelVersion, string[] TrackIds, double[] Scores, DateTimeOffset ServedAt);

/// <summary>
/// The silo-local way into the analytics warehouse (PostgreSQL schema <c>warehouse</c>). Partition
/// grains hand it the events of each batch and keep their partition's checkpoint below what it has not
/// yet written; the recommendation API hands it what it served.
/// </summary>
public interface IWarehouseSink
{
    /// <summary>False when no warehouse is configured: then nothing needs to be handed over.</summary>
    bool IsEnabled { get; }

    /// <summary>
    /// Queues one batch of a partition's events, in offset order. Waits while the buffer is full, which
    /// slows the partition's stream down to what the database takes (back-pressure). Events already
    /// in the warehouse (same eventId) are dropped when written.
    /// </summary>
    ValueTask WritePlaysAsync(int partition, IReadOnlyList<WarehousePlay> plays, CancellationToken cancellationToken = default);

    /// <summary>
    /// The offset of <paramref name="partition"/> below which every event handed over is written:
    /// the first offset of the oldest batch still buffered, or <see cref="long.MaxValue"/> when none is.
    /// </summary>
    long DurableNextOffset(int partition);

    /// <summary>Queues a served recommendation without waiting; dropped (and counted) when the buffer is full.</summary>
    void RecordServed(ServedRecommendation served);

    /// <summary>Completes when everything queued before the call is written.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>The sink when no warehouse is configured: takes nothing, holds nothing back.</summary>
internal sealed class NullWarehouseSink : IWarehouseSink
{
    public bool IsEnabled => false;

    public ValueTask WritePlaysAsync(int partition, IReadOnlyList<WarehousePlay> plays, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    public long DurableNextOffset(int partition) => long.MaxValue;

    public void RecordServed(ServedRecommendation served)
    {
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
