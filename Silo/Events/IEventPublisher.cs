using Encore.Events;

namespace Encore.Silo.Events;

/// <summary>
/// Where the API hands validated listening events: the topic the partition grains consume. Returns
/// once every event is either acknowledged by it (for Kafka: by the brokers) or known to have failed.
/// Takes no cancellation: a produced event cannot be taken back, so the outcome is always waited for
/// (the publisher bounds that wait itself).
/// </summary>
public interface IEventPublisher
{
    Task<PublishOutcome> PublishAsync(IReadOnlyList<ListeningEvent> events);
}

/// <summary>Which of the events given to <see cref="IEventPublisher.PublishAsync"/> were produced, by index.</summary>
public sealed record PublishOutcome(IReadOnlyList<int> Produced, IReadOnlyList<PublishFailure> Failed)
{
    public bool AllProduced => Failed.Count == 0;
}

/// <param name="Index">The event's position in the list given.</param>
/// <param name="EventId">The event's eventId.</param>
/// <param name="Reason">Why, as the producer says it.</param>
/// <param name="PossiblyProduced">
/// Whether the event may still have reached the topic (it was sent but not acknowledged in time); an
/// event that was never sent is false.
/// </param>
public sealed record PublishFailure(int Index, string EventId, string Reason, bool PossiblyProduced);
