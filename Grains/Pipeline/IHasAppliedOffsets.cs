namespace Encore.Pipeline;

/// <summary>Grain state that carries, per Kafka partition, the last offset applied to it; written atomically with it.</summary>
public interface IHasAppliedOffsets
{
    Dictionary<int, long> AppliedOffsets { get; }
}
