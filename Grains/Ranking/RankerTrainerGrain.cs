using Encore.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Ranking;

/// <remarks>
/// The schedule lives in the activation: after a move to another silo it starts over (the first
/// scheduled training then comes a full interval after the move), which is harmless.
/// </remarks>
internal sealed partial class RankerTrainerGrain(
    RankerTrainingService training,
    IModelRegistry registry,
    IOptions<RankerOptions> options,
    TimeProvider time,
    ILogger<RankerTrainerGrain> logger) : Grain, IRankerTrainerGrain
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(1);

    private string? _version;
    private Task _run = Task.CompletedTask;
    private DateTimeOffset _lastStarted;
    private long _eventsAtLastStart;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastStarted = time.GetUtcNow();
        _eventsAtLastStart = (await ClusterStats.GetAsync(GrainFactory)).EventsProcessed;
        this.RegisterGrainTimer(CheckScheduleAsync, new GrainTimerCreationOptions(CheckEvery, CheckEvery));
    }

    public async Task<string> TrainAsync()
    {
        if (_version is not null && !_run.IsCompleted)
        {
            return _version;
        }

        var events = (await ClusterStats.GetAsync(GrainFactory)).EventsProcessed;
        var reserved = await registry.ReserveAsync(time.GetUtcNow());
        _version = reserved.Version;
        _lastStarted = time.GetUtcNow();
        _eventsAtLastStart = events;
        _run = training.Start(reserved);
        LogStarted(logger, reserved.Version);
        return reserved.Version;
    }

    public Task KeepAliveAsync() => Task.CompletedTask;

    private async Task CheckScheduleAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!_run.IsCompleted || time.GetUtcNow() - _lastStarted < o.TrainInterval)
        {
            return;
        }

        var events = (await ClusterStats.GetAsync(GrainFactory)).EventsProcessed;
        if (events - _eventsAtLastStart >= o.MinNewEvents)
        {
            await TrainAsync();
        }
    }

    [LoggerMessage(EventId = 1504, Level = LogLevel.Information, Message = "Ranker {Version}: training started")]
    private static partial void LogStarted(ILogger logger, string version);
}
