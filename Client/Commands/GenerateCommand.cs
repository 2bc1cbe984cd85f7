using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Encore.Catalog;
using Encore.Events;
using Encore.Simulation;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// <c>generate</c> (DESIGN.md §3.5): synthetic plays from <see cref="PlayGenerator"/>, produced to the
/// listening-event topic keyed by user id, at a given rate, with a progress bar and a closing summary.
/// </summary>
internal static class GenerateCommand
{
    private const long DefaultEvents = 10_000;

    private const int ExitDeliveryFailed = 1;
    private const int ExitSetupFailed = 2;
    private const int ExitCancelled = 130;

    public static Command Create(IAnsiConsole? console = null)
    {
        var bootstrap = new Option<string>("--bootstrap", "-b")
        {
            Description = "Kafka bootstrap servers, host:port[,host:port...] (kafka-dev prints them).",
            Required = true,
        };
        var events = new Option<long?>("--events", "-n")
        {
            Description = $"Number of plays to produce [default: {DefaultEvents:N0} unless --duration is given].",
        };
        var duration = new Option<TimeSpan?>("--duration", "-d")
        {
            Description = "Produce for this long instead of a number of plays: 500ms, 60s, 2m, 1h.",
            CustomParser = ParseDuration,
        };
        var rate = new Option<double>("--rate", "-r")
        {
            Description = "Plays per second; 0 produces as fast as Kafka takes them.",
            DefaultValueFactory = _ => 0,
        };
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
        var catalog = new Option<FileInfo?>("--catalog")
        {
            Description = "Kaggle Spotify tracks CSV to play from; without it, the synthetic catalog the silo uses by default.",
        };
        var topic = new Option<string>("--topic")
        {
            Description = "Topic to produce to.",
            DefaultValueFactory = _ => Constants.DefaultTopic,
        };
        var start = new Option<DateTimeOffset?>("--start")
        {
            Description = "Simulated time starts here (ISO-8601) [default: midnight UTC seven days ago]. "
                + "Plays are never stamped later than now.",
        };
        var properties = new Option<string[]>("--kafka-property", "-X")
        {
            Description = "Extra librdkafka producer property, name=value (repeatable), e.g. -X security.protocol=SASL_SSL.",
            DefaultValueFactory = _ => [],
        };

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
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or double.NaN)
            {
                result.AddError("--rate must be 0 (no limit) or a positive number of events per second.");
            }
        });
        users.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--users must be at least 1.");
            }
        });
        properties.Validators.Add(result =>
        {
            foreach (var property in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!property.Contains('=', StringComparison.Ordinal))
                {
                    result.AddError($"--kafka-property '{property}' is not name=value.");
                }
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
                Bootstrap: parse.GetRequiredValue(bootstrap),
                Topic: parse.GetRequiredValue(topic),
                Events: limit is null ? parse.GetValue(events) ?? DefaultEvents : null,
                Duration: limit,
                Rate: parse.GetValue(rate),
                Users: parse.GetValue(users),
                Seed: parse.GetValue(seed),
                CatalogPath: parse.GetValue(catalog)?.FullName,
                Start: parse.GetValue(start) ?? DefaultStart(TimeProvider.System),
                KafkaProperties: [.. (parse.GetValue(properties) ?? []).Select(SplitProperty)]);
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

    private static KeyValuePair<string, string> SplitProperty(string property)
    {
        var equals = property.IndexOf('=', StringComparison.Ordinal);
        return new(property[..equals].Trim(), property[(equals + 1)..].Trim());
    }

    internal sealed record GenerateRequest(
        string Bootstrap,
        string Topic,
        long? Events,
        TimeSpan? Duration,
        double Rate,
        int Users,
        int Seed,
        string? CatalogPath,
        DateTimeOffset Start,
        IReadOnlyList<KeyValuePair<string, string>> KafkaProperties);

    /// <summary>One invocation: loads the catalog, produces, flushes and reports.</summary>
    private sealed class GenerateRun(GenerateRequest request, IAnsiConsole console, TimeProvider time)
    {
        private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(15);
        private static readonly TimeSpan InteractiveRefresh = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

        private readonly HashSet<string> _users = new(StringComparer.Ordinal);
        private long _produced;
        private long _delivered;
        private long _failed;
        private string? _lastError;
        private volatile bool _fatal;

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            if (request.CatalogPath is { } path && !File.Exists(path))
            {
                console.MarkupLineInterpolated($"[red]Catalog file {path} does not exist.[/] Pass the Kaggle CSV, or leave --catalog out for the synthetic catalog.");
                return ExitSetupFailed;
            }

            var loading = Stopwatch.StartNew();
            TrackCatalog catalog;
            try
            {
                catalog = request.CatalogPath is { } csv ? TrackCatalog.Load(csv) : TrackCatalog.Synthetic();
            }
            catch (FormatException e)
            {
                console.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return ExitSetupFailed;
            }

            var generator = new PlayGenerator(catalog, new GeneratorSettings
            {
                Seed = request.Seed,
                Users = request.Users,
                Start = request.Start,
                Clock = time,
            });
            console.MarkupLineInterpolated(
                $"Catalog [bold]{catalog.Source}[/]: {catalog.Count:N0} tracks, {catalog.Genres.Count} genres ({loading.ElapsedMilliseconds:N0} ms).");

            using var producer = BuildProducer();
            var partitions = PartitionCount(producer);
            if (partitions is null)
            {
                return ExitSetupFailed;
            }

            var target = request.Events is { } n ? $"{n:N0} events" : $"{request.Duration!.Value.TotalSeconds:0.###} s of events";
            var pace = request.Rate > 0 ? $"{request.Rate:N0}/s" : "as fast as possible";
            console.MarkupLineInterpolated(
                $"Producing {target} to [bold]{request.Topic}[/] ({partitions} partitions) at {request.Bootstrap}, {pace}: seed {request.Seed}, {request.Users:N0} users, simulated time from {request.Start:yyyy-MM-ddTHH:mm:ssZ}.");

            var elapsed = Stopwatch.StartNew();
            bool completed;
            if (console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
            {
                completed = await console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("producing", maxValue: request.Events ?? request.Duration!.Value.TotalSeconds);
                        var done = await ProduceAsync(producer, generator, elapsed, InteractiveRefresh, () =>
                        {
                            task.Value = request.Events is null ? elapsed.Elapsed.TotalSeconds : _produced;
                            task.Description = $"{_produced:N0} produced, {Interlocked.Read(ref _failed):N0} failed";
                        }, cancellationToken);
                        task.Description = "flushing";
                        Flush(producer);
                        task.Value = task.MaxValue;
                        task.Description = $"{_produced:N0} produced";
                        task.StopTask();
                        return done;
                    });
            }
            else
            {
                completed = await ProduceAsync(producer, generator, elapsed, LineInterval, () =>
                    console.WriteLine(
                        $"{_produced:N0} produced, {Interlocked.Read(ref _delivered):N0} delivered, {Interlocked.Read(ref _failed):N0} failed, "
                        + $"{_produced / Math.Max(elapsed.Elapsed.TotalSeconds, 1e-3):N0} events/s"),
                    cancellationToken);
                Flush(producer);
            }

            elapsed.Stop();
            WriteSummary(elapsed.Elapsed, catalog);
            return Interlocked.Read(ref _failed) > 0 || _fatal ? ExitDeliveryFailed
                : completed ? 0
                : ExitCancelled;
        }

        private IProducer<string, byte[]> BuildProducer()
        {
            var config = new ProducerConfig
            {
                BootstrapServers = request.Bootstrap,
                ClientId = "encore-generate",
                // Exactly-once into the log per producer session: retries never duplicate or reorder.
                EnableIdempotence = true,
                Acks = Acks.All,
                LingerMs = 5,
                BatchNumMessages = 10_000,
                BatchSize = 1_000_000,
                QueueBufferingMaxMessages = 500_000,
                MessageTimeoutMs = 60_000,
                // Java's partitioner, so that every producer (generate, replay, the silo's API, Java
                // tools) puts a user's events on the same partition.
                Partitioner = Partitioner.Murmur2Random,
            };
            foreach (var (name, value) in request.KafkaProperties)
            {
                config.Set(name, value);
            }

            return new ProducerBuilder<string, byte[]>(config)
                .SetErrorHandler((_, error) =>
                {
                    _lastError = error.Reason;
                    _fatal |= error.IsFatal;
                })
                // librdkafka's own log lines would tear through the progress bar; keep the last warning for the summary.
                .SetLogHandler((_, message) =>
                {
                    if (message.Level <= SyslogLevel.Warning)
                    {
                        _lastError = message.Message;
                    }
                })
                .Build();
        }

        /// <summary>The topic's partition count, or null (after saying why) when Kafka or the topic is not there.</summary>
        private int? PartitionCount(IProducer<string, byte[]> producer)
        {
            try
            {
                using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
                var metadata = admin.GetMetadata(request.Topic, MetadataTimeout);
                var topic = metadata.Topics.SingleOrDefault(t => t.Topic == request.Topic);
                if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
                {
                    var reason = topic?.Error.Reason ?? "not in the metadata";
                    console.MarkupLineInterpolated(
                        $"[red]Topic {request.Topic} is not available at {request.Bootstrap}: {reason}.[/] Create it (kafka-dev does), or pass --topic.");
                    return null;
                }

                return topic.Partitions.Count;
            }
            catch (KafkaException e)
            {
                console.MarkupLineInterpolated($"[red]Cannot reach Kafka at {request.Bootstrap}: {e.Error.Reason}.[/]");
                return null;
            }
        }

        /// <summary>Produces until the target is reached or the run is cancelled; false when cancelled first.</summary>
        private async Task<bool> ProduceAsync(
            IProducer<string, byte[]> producer,
            PlayGenerator generator,
            Stopwatch elapsed,
            TimeSpan reportInterval,
            Action report,
            CancellationToken cancellationToken)
        {
            var pacer = new Pacer(request.Rate, time);
            var lastReport = TimeSpan.Zero;
            Action<DeliveryReport<string, byte[]>> onDelivery = OnDelivery;
            try
            {
                foreach (var play in generator.Generate())
                {
                    if (_fatal || Done(elapsed))
                    {
                        break;
                    }

                    await pacer.WaitForAsync(_produced, cancellationToken);
                    if (request.Duration is { } duration && elapsed.Elapsed >= duration)
                    {
                        break;
                    }

                    var message = new Message<string, byte[]> { Key = play.UserId, Value = EventJson.Serialize(play) };
                    while (true)
                    {
                        try
                        {
                            producer.Produce(request.Topic, message, onDelivery);
                            break;
                        }
                        catch (ProduceException<string, byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
                        {
                            // The local queue is full: wait for deliveries to drain it.
                            await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
                        }
                    }

                    _produced++;
                    _users.Add(play.UserId);
                    if (elapsed.Elapsed - lastReport >= reportInterval)
                    {
                        lastReport = elapsed.Elapsed;
                        report();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            report();
            return Done(elapsed);
        }

        private bool Done(Stopwatch elapsed) =>
            request.Events is { } events ? _produced >= events : elapsed.Elapsed >= request.Duration!.Value;

        private void OnDelivery(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                _lastError = report.Error.Reason;
                Interlocked.Increment(ref _failed);
            }
            else
            {
                Interlocked.Increment(ref _delivered);
            }
        }

        private void Flush(IProducer<string, byte[]> producer)
        {
            var undelivered = producer.Flush(FlushTimeout);
            if (undelivered > 0)
            {
                // Still queued after the timeout: they will not be delivered by this process.
                Interlocked.Add(ref _failed, undelivered);
                _lastError ??= $"{undelivered} messages still queued after {FlushTimeout.TotalSeconds:N0} s";
            }
        }

        private void WriteSummary(TimeSpan elapsed, TrackCatalog catalog)
        {
            var delivered = Interlocked.Read(ref _delivered);
            var failed = Interlocked.Read(ref _failed);
            var table = new Table().Border(TableBorder.Rounded).Title("generate").AddColumn("").AddColumn(new TableColumn("").RightAligned());
            table.ShowHeaders = false;
            table.AddRow("events produced", $"{_produced:N0}");
            table.AddRow("events delivered", $"{delivered:N0}");
            table.AddRow(failed > 0 ? "[red]delivery failures[/]" : "delivery failures", $"{failed:N0}");
            table.AddRow("users", $"{_users.Count:N0} of {request.Users:N0}");
            table.AddRow("elapsed", $"{elapsed.TotalSeconds:N1} s");
            table.AddRow("events/s (delivered)", $"{delivered / Math.Max(elapsed.TotalSeconds, 1e-3):N0}");
            table.AddRow("topic", Markup.Escape($"{request.Topic} at {request.Bootstrap}"));
            table.AddRow("seed, start", Markup.Escape($"{request.Seed}, {request.Start:yyyy-MM-ddTHH:mm:ssZ}"));
            table.AddRow("catalog", Markup.Escape(catalog.Source));
            if (_lastError is { } error)
            {
                table.AddRow("last Kafka error", Markup.Escape(error));
            }

            console.Write(table);
        }
    }
}
