namespace Encore.Streams.Kafka.Checkpoints;

internal sealed class KafkaCheckpointGrain : Grain, IKafkaCheckpointGrain
{
    private long? _durable;

    public Task DeclareDurableAsync(long nextOffset)
    {
        if (_durable is null || nextOffset > _durable)
        {
            _durable = nextOffset;
        }

        return Task.CompletedTask;
    }

    public Task<long?> GetDurableOffsetAsync() => Task.FromResult(_durable);
}
