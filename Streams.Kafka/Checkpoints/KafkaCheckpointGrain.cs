namespace Encore.Streams.Kafka.Checkpoints;

internal sealed class KafkaCheckpointGrain : Grain, IKafkaCheckpointGrain
{
    private long? _durable;
    private int _replayRequests;
    private bool _consumerActive;
    private readonly Guid _incarnation = Guid.NewGuid();

    public Task DeclareDurableAsync(long nextOffset)
    {
        if (_durable is null || nextOffset > _durable)
        {
            _durable = nextOffset;
        }

        return Task.CompletedTask;
    }

    public Task<ReplayTicket> RequestReplayAsync()
    {
        _replayRequests++;
        return Task.FromResult(State.Ticket);
    }

    public Task<ReplayTicket> ConsumerStartedAsync()
    {
        if (_consumerActive)
        {
            _replayRequests++;
        }

        _consumerActive = true;
        return Task.FromResult(State.Ticket);
    }

    public Task ConsumerStoppedAsync()
    {
        _consumerActive = false;
        return Task.CompletedTask;
    }

    public Task<KafkaCheckpointState> GetStateAsync() => Task.FromResult(State);

    private KafkaCheckpointState State => new(_durable, _replayRequests, _incarnation);
}
