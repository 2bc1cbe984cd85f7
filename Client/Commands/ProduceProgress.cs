using System.Diagnostics;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// How a producing verb shows where it is: a progress bar on an interactive terminal, else a line
/// every two seconds (logs and CI), both read from the <see cref="EventProducer"/>'s counters.
/// </summary>
internal sealed class ProduceProgress
{
    private static readonly TimeSpan InteractiveRefresh = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    private readonly IAnsiConsole _console;
    private readonly EventProducer _producer;
    private readonly Stopwatch _elapsed;
    private readonly ProgressTask? _task;
    private TimeSpan _lastReport;

    private ProduceProgress(IAnsiConsole console, EventProducer producer, Stopwatch elapsed, ProgressTask? task)
    {
        _console = console;
        _producer = producer;
        _elapsed = elapsed;
        _task = task;
    }

    /// <summary>
    /// Runs <paramref name="produce"/> under a progress display that goes from 0 to <paramref name="maxValue"/>,
    /// then flushes the producer (the bar says so) and leaves the bar full.
    /// </summary>
    public static async Task<T> RunAsync<T>(
        IAnsiConsole console,
        EventProducer producer,
        Stopwatch elapsed,
        double maxValue,
        Func<ProduceProgress, Task<T>> produce)
    {
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            var result = await produce(new ProduceProgress(console, producer, elapsed, task: null));
            producer.Flush();
            return result;
        }

        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("producing", maxValue: Math.Max(maxValue, 1e-9));
                var result = await produce(new ProduceProgress(console, producer, elapsed, task));
                task.Description = "flushing";
                producer.Flush();
                task.Value = task.MaxValue;
                task.Description = $"{producer.Produced:N0} produced";
                task.StopTask();
                return result;
            });
    }

    /// <summary>Moves the display to <paramref name="value"/>; redraws at most every refresh interval unless forced.</summary>
    public void Report(double value, bool force = false)
    {
        var interval = _task is null ? LineInterval : InteractiveRefresh;
        if (!force && _elapsed.Elapsed - _lastReport < interval)
        {
            return;
        }

        _lastReport = _elapsed.Elapsed;
        if (_task is not null)
        {
            _task.Value = Math.Min(value, _task.MaxValue);
            _task.Description = $"{_producer.Produced:N0} produced, {_producer.Failed:N0} failed";
            return;
        }

        _console.WriteLine(
            $"{_producer.Produced:N0} produced, {_producer.Delivered:N0} delivered, {_producer.Failed:N0} failed, "
            + $"{_producer.Produced / Math.Max(_elapsed.Elapsed.TotalSeconds, 1e-3):N0} events/s");
    }
}
