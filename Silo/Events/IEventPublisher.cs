using Encore.Events;

namespace Encore.Silo.Events;

/// <summary>
/// Where the API hands validated listening events: the topic the partition grains consume. Returns
/// once the events are accepted by it (for Kafka: acknowledged by the brokers).
/// </summary>
public interface IEventPublisher
{
    Task PublishAsync(IReadOnlyList<ListeningEvent> events, CancellationToken cancellationToken);
}
