namespace Encore.Events;

/// <summary>
/// A validated listening event as it travels on its partition's stream: the event plus the Kafka
/// partition and offset it was read from, which the consuming grains use as their applied-offset
/// watermarks (docs/architecture.md, "Exactly-once effect"). Carrying them in the item keeps grains independent of token types.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PartitionEvent(
    [property: Id(0)] int Partition,
    [property: Id(1)] long Offset,
    [property: Id(2)] ListeningEvent Event);
