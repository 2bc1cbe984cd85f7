using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Encore.Catalog;
using Encore.Simulation;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// <c>generate</c> (README, command-line client): synthetic plays from <see cref="PlayGenerator"/>, produced to the
/// listening-event topic keyed by user id, at a given rate, with a progress bar and a closing summary.
/// </summary>
internal static class GenerateCommand
{
    private const long DefaultEvents = 10_000;

    public static Command Create(IAnsiConsole? console = null)
    {
        var bootstrap = CommonOptions.Bootstrap();
        var events = new Option<long?>("--events", "-n")
        {
            Description = $"Number of plays to produce [default: {DefaultEvents:N0} unless --duration is given].",
        };
        var duration = new Option<TimeSpan?>("--duration", "-d")
        {
            Description = "Produce for this long instead of a number of plays: 500ms, 60s, 2m, 1h.",
            CustomParser = ParseDuration,
        };
        var rate = CommonOptions.Rate("Plays");
        var users = new Option<int>("--users", "-u")
        {
            Description = "Number of simulated listeners, user-1 to user-N.",
            DefaultValueFactory = _ => 1_000,
        };
        var seed = new Option<int>("--seed", "-s")
        {
            Description = "Seeds the listeners, their tastes and their plays: the same seed, users and start give the same events.",
            DefaultValueFactory = _ => 42,
        };
        var catalog = CommonOptions.Catalog("play from");
        var topic = CommonOptions.Topic();
        var start = new Option<DateTimeOffset?>("--start")
        {
            Description = "Simulated time starts here (ISO-8601) [default: midnight UTC seven days ago]. "
                + "Plays are never stamped later than now.",
        };
        var properties = CommonOptions.KafkaProperties();

        var command = new Command("generate", "Produce synthetic listening events (Bogus listeners with hidden tastes) to Kafka.")
        {
            bootstrap, events, duration, rate, users, seed, catalog, topic, start, properties,
        };
        // Options are checked one by one: a command validator sees 0, not the default, for an option left out.
        events.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is <= 0)
            {
                result.AddError("--events must be at least 1.");
            }
        });
        users.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--users must be at least 1.");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(events) is { Implicit: false } && result.GetResult(duration) is { Implicit: false })
            {
                result.AddError("--events and --duration exclude each other; give one of them.");
            }
        });

        command.SetAction((parse, cancellationToken) =>
        {
            var limit = parse.GetValue(duration);
            var request = new GenerateRequest(
                Kafka: CommonOptions.ReadProducer(parse, bootstrap, topic, properties),
                Events: limit is null ? parse.GetValue(events) ?? DefaultEvents : null,
                Duration: limit,
                Rate: parse.GetValue(rate),
                Users: parse.GetValue(users),
                Seed: parse.GetValue(seed),
                CatalogPath: parse.GetValue(catalog)?.FullName,
                Start: parse.GetValue(start) ?? DefaultStart(TimeProvider.System));
            return new GenerateRun(request, console ?? AnsiConsole.Console, TimeProvider.System).RunAsync(cancellationToken);
        });

        return command;
    }

    /// <summary>Parses "500ms", "60s", "2m", "1h" (decimals allowed) or a TimeSpan such as "00:01:30".</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        text = text.Trim();
        (string Suffix, Func<double, TimeSpan> Make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours),
        ];
        foreach (var (suffix, make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                duration = make(amount);
                return duration > TimeSpan.Zero;
            }
        }

        // A bare number is ambiguous (TimeSpan reads "60" as 60 days): only hh:mm:ss forms fall through.
        duration = default;
        return text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration)
            && duration > TimeSpan.Zero;
    }

    /// <summary>Midnight UTC a week ago: recent enough for the silo's windows, and the same all day for a seed.</summary>
    internal static DateTimeOffset DefaultStart(TimeProvider time) =>
        new(time.GetUtcNow().UtcDateTime.Date.AddDays(-7), TimeSpan.Zero);

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParseDuration(text, out var duration))
        {
            return duration;
        }

        result.AddError($"--duration '{text}' is not a positive duration such as 500ms, 60s, 2m or 1h.");
        return null;
    }

    internal sealed record GenerateRequest(
        ProducerSettings Kafka,
        long? Events,
        TimeSpan? Duration,
        double Rate,
        int Users,
        int Seed,
        string? CatalogPath,
        DateTimeOffset Start);

    /// <summary>One invocation: loads the catalog, produces, flushes and reports.</summary>
    private sealed class GenerateRun(GenerateRequest request, IAnsiConsole console, TimeProvider time)
    {
        private readonly HashSet<string> _users = new(StringComparer.Ordinal);

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            if (CommonOptions.LoadCatalog(request.CatalogPath, console) is not { } catalog)
            {
                return ExitCodes.SetupFailed;
            }

            var generator = new PlayGenerator(catalog, new GeneratorSettings
            {
                Seed = request.Seed,
                Users = request.Users,
                Start = request.Start,
                Clock = time,
            });

            using var producer = request.Kafka.CreateProducer("encore-generate", time);
            var partitions = producer.PartitionCount(console);
            if (partitions is null)
            {
                return ExitCodes.SetupFailed;
            }

            var target = request.Events is { } n ? $"{n:N0} events" : $"{request.Duration!.Value.TotalSeconds:0.###} s of events";
            var pace = request.Rate > 0 ? $"{request.Rate:N0}/s" : "as fast as possible";
            console.MarkupLineInterpolated(
                $"Producing {target} to [bold]{producer.Topic}[/] ({partitions} partitions) at {producer.Bootstrap}, {pace}: seed {request.Seed}, {request.Users:N0} users, simulated time from {request.Start:yyyy-MM-ddTHH:mm:ssZ}.");

            var elapsed = Stopwatch.StartNew();
            var completed = await ProduceProgress.RunAsync(
                console,
                producer,
                elapsed,
                request.Events ?? request.Duration!.Value.TotalSeconds,
                progress => ProduceAsync(producer, generator, elapsed, progress, cancellationToken));

            elapsed.Stop();
            WriteSummary(producer, elapsed.Elapsed, catalog);
            return producer.Failed > 0 || producer.Fatal ? ExitCodes.Failed
                : completed ? ExitCodes.Success
                : ExitCodes.Cancelled;
        }

        /// <summary>Produces until the target is reached or the run is cancelled; false when cancelled first.</summary>
        private async Task<bool> ProduceAsync(
            EventProducer producer,
            PlayGenerator generator,
            Stopwatch elapsed,
            ProduceProgress progress,
            CancellationToken cancellationToken)
        {
            var pacer = new Pacer(request.Rate, time);
            try
            {
                foreach (var play in generator.Generate())
                {
                    if (producer.Fatal || Done(producer, elapsed))
                    {
                        break;
                    }

                    await pacer.WaitForAsync(producer.Produced, cancellationToken);
                    if (request.Duration is { } duration && elapsed.Elapsed >= duration)
                    {
                        break;
                    }

                    await producer.ProduceAsync(play, cancellationToken);
                    _users.Add(play.UserId);
                    progress.Report(Value(producer, elapsed));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            progress.Report(Value(producer, elapsed), force: true);
            return Done(producer, elapsed);
        }

        private double Value(EventProducer producer, Stopwatch elapsed) =>
            request.Events is null ? elapsed.Elapsed.TotalSeconds : producer.Produced;

        private bool Done(EventProducer producer, Stopwatch elapsed) =>
            request.Events is { } events ? producer.Produced >= events : elapsed.Elapsed >= request.Duration!.Value;

        private void WriteSummary(EventProducer producer, TimeSpan elapsed, TrackCatalog catalog)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("generate").AddColumn("").AddColumn(new TableColumn("").RightAligned());
            table.ShowHeaders = false;
            producer.AddSummaryRows(table, elapsed);
            table.AddRow("users", $"{_users.Count:N0} of {request.Users:N0}");
            table.AddRow("seed, start", Markup.Escape($"{request.Seed}, {request.Start:yyyy-MM-ddTHH:mm:ssZ}"));
            table.AddRow("catalog", Markup.Escape(catalog.Source));
            producer.AddLastErrorRow(table);
            console.Write(table);
        }
    }
}
