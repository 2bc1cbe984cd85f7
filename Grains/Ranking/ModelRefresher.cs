using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Encore.Ranking;

/// <summary>
/// On every silo: loads the active model at start and whenever the registry names another one (polled
/// every <c>Ranker:PollInterval</c>), and swaps it in; keeps the trainer grain active. A model that
/// cannot be loaded, or was trained on another feature schema, is skipped: the silo keeps what it had
/// (the heuristic when nothing).
/// </summary>
public sealed partial class ModelRefresher(
    IModelRegistry registry,
    ActiveRanker active,
    IGrainFactory grains,
    IOptions<RankerOptions> options,
    TimeProvider time,
    ILogger<ModelRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(30);

    private string? _skipped;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        var lastKeepAlive = long.MinValue;
        do
        {
            try
            {
                await RefreshAsync();
                if (lastKeepAlive == long.MinValue || time.GetElapsedTime(lastKeepAlive) >= KeepAliveEvery)
                {
                    await grains.GetGrain<IRankerTrainerGrain>(0).KeepAliveAsync();
                    lastKeepAlive = time.GetTimestamp();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The silo may still be starting, or the database away for a moment: try again at the next tick.
                LogPollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Loads and swaps in the registry's active model when it is not the one in place.</summary>
    public async Task RefreshAsync()
    {
        var version = await registry.GetActiveVersionAsync();
        if (version is null || version == active.Current?.Version || version == _skipped)
        {
            return;
        }

        var stored = await registry.GetActiveAsync();
        if (stored is null)
        {
            return;
        }

        try
        {
            if (stored.Info.SchemaHash != CandidateFeatures.SchemaHash)
            {
                throw new InvalidDataException($"trained on feature schema {stored.Info.SchemaHash}, this silo builds {CandidateFeatures.SchemaHash}");
            }

            var model = RankerModel.Load(stored.Info.Version, stored.Bytes, logger);

            // Scored once before it serves, so that a model that cannot score never replaces one that can.
            model.Score([new float[CandidateFeatures.Count]]);
            var previous = active.Swap(model);
            LogSwapped(logger, model.Version, previous?.Version ?? "the heuristic");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _skipped = stored.Info.Version;
            LogLoadFailed(logger, e, stored.Info.Version);
        }
    }

    [LoggerMessage(EventId = 1505, Level = LogLevel.Information, Message = "Ranker {Version} now scores recommendations on this silo (replacing {Previous})")]
    private static partial void LogSwapped(ILogger logger, string version, string previous);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Warning, Message = "Ranker {Version} could not be loaded; this silo keeps scoring as before")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(EventId = 1507, Level = LogLevel.Debug, Message = "Polling the model registry failed; retrying at the next tick")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
