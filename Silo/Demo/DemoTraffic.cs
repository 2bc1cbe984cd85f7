using System.ComponentModel.DataAnnotations;
using Encore.Catalog;
using Encore.Events;
using Encore.Silo.Events;
using Encore.Simulation;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Demo;

/// <summary>Configuration section <c>Demo</c>: built-in traffic so an embedded run has something to show.</summary>
public sealed class DemoSettings
{
    public const string SectionName = "Demo";

    /// <summary>Plays per second; empty means 200 with the embedded Kafka cluster and 0 otherwise.</summary>
    [Range(0, 1_000_000, ErrorMessage = "Demo:EventsPerSecond must be between 0 and 1000000; set Demo__EventsPerSecond.")]
    public int? EventsPerSecond { get; set; }

    [Range(1, 10_000_000, ErrorMessage = "Demo:Users must be at least 1; set Demo__Users.")]
    public int Users { get; set; } = 1_000;
}

/// <summary>
/// Publishes synthetic plays (the same generator as <c>encore generate</c>) through the event publisher,
/// in ticks of 100 ms. The simulated history starts a day back and catches up with the clock.
/// </summary>
internal sealed partial class DemoTraffic(
    IOptions<DemoSettings> settings, IOptions<Kafka.KafkaSettings> kafka, CatalogHolder catalog,
    IEventPublisher publisher, TimeProvider clock, ILogger<DemoTraffic> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    public int EventsPerSecond => settings.Value.EventsPerSecond ?? (kafka.Value.Embedded ? 200 : 0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rate = EventsPerSecond;
        if (rate == 0)
        {
            return;
        }

        var generator = new PlayGenerator(await catalog.Loaded.WaitAsync(stoppingToken), new GeneratorSettings
        {
            Users = settings.Value.Users,
            Start = clock.GetUtcNow().AddDays(-1),
            Clock = clock,
        });
        LogStarted(logger, rate, settings.Value.Users);

        using var plays = generator.Generate().GetEnumerator();
        using var timer = new PeriodicTimer(Tick, clock);
        var owed = 0.0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            owed += rate * Tick.TotalSeconds;
            var batch = new List<ListeningEvent>((int)owed);
            for (; owed >= 1 && plays.MoveNext(); owed--)
            {
                batch.Add(plays.Current);
            }

            try
            {
                var outcome = await publisher.PublishAsync(batch).WaitAsync(stoppingToken);
                if (!outcome.AllProduced)
                {
                    LogNotProduced(logger, outcome.Failed.Count, batch.Count, outcome.Failed[0].Reason);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPublishFailed(logger, e, batch.Count);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Demo traffic: {Rate} plays/s from {Users} synthetic listeners (Demo__EventsPerSecond=0 turns it off)")]
    private static partial void LogStarted(ILogger logger, int rate, int users);

    [LoggerMessage(2, LogLevel.Warning, "Demo traffic: {Count} plays could not be published")]
    private static partial void LogPublishFailed(ILogger logger, Exception e, int count);

    [LoggerMessage(3, LogLevel.Warning, "Demo traffic: {Failed} of {Count} plays were not produced ({Reason})")]
    private static partial void LogNotProduced(ILogger logger, int failed, int count, string reason);
}
