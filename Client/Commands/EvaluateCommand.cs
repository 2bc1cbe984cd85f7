using System.Collections.Concurrent;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Encore.Catalog;
using Encore.Client.Evaluation;
using Encore.Client.Listening;
using Encore.Events;
using Encore.Simulation;
using Encore.Stats;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// <c>evaluate</c> (docs/evaluation.md): each listener's earlier plays go through Kafka into
/// the live system, the live API is asked for recommendations, and its lists are scored against the held-out
/// later plays next to popularity, item-kNN and EASE computed in-process on exactly the same training plays.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>How many recommendations the live API is asked for: its maximum, so that artist-level lists stay long.</summary>
    public const int LiveListLength = 100;

    /// <summary>Plays generated per listener for the synthetic data set.</summary>
    public const int SyntheticPlaysPerUser = 40;

    public const string LiveMethod = "encore";

    /// <summary>The <c>--baselines</c> value that computes none.</summary>
    public const string NoBaselines = "none";

    private const int DefaultSyntheticUsers = 1_000;
    private const int ParallelRequests = 4;
    private const int ReportWidth = 200;

    private static readonly TimeSpan StatsPollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private const string Protocol = """
        Evaluate the live recommender on real listening data against baselines computed on the same split.
          1. Read the listeners (--dataset); --users N keeps a sample chosen by --seed. Each listener's plays are in
             time order (playlist order for MPD); the last --holdout of them is held out; fewer than 2 plays: skipped.
          2. Produce every listener's training plays to Kafka, then wait until GET {api}/api/stats has processed them
             (--no-produce: they are already there, from an earlier evaluate of the same listeners and split).
          3. Ask GET {api}/api/users/{userId}/recommendations?count=100 for every evaluated listener.
          4. At track level (trackId) and artist level (the track's first catalog artist): relevant = held-out items
             not among the listener's training items (none: the listener is skipped at that level). Every list is
             taken to the level, de-duplicated, stripped of training items and cut to each K. Baselines (--baselines):
             popularity, item-kNN and EASE (lambda picked from 10..1000 on a validation slice of the training plays).
          5. Print HR, Recall, NDCG, coverage and distinct artists at each K; --json writes the report.
        Run the silo with Demo__EventsPerSecond=0 and the same catalog as --catalog.
        """;

    public static Command Create(IAnsiConsole? console = null, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        var dataset = new Option<EvaluationDataset>("--dataset", "-d")
        {
            Description = "mpd:DIR (Million Playlist slices), spotify:DIR (Spotify exports), jsonl:FILE (events of the contract) or synthetic (the play generator).",
            Required = true,
            HelpName = "mpd:DIR|spotify:DIR|jsonl:FILE|synthetic",
            CustomParser = ParseDataset,
        };
        var api = new Option<Uri>("--api")
        {
            Description = "The live HTTP API, e.g. http://localhost:8080.",
            Required = true,
            CustomParser = ParseApi,
        };
        var apiKey = CommonOptions.ApiKey("ENCORE_API_KEY", "An API key (Api:Keys)");
        var bootstrap = CommonOptions.Bootstrap();
        var holdout = new Option<double>("--holdout")
        {
            Description = "Share of each listener's latest plays held out for testing, strictly between 0 and 1.",
            DefaultValueFactory = _ => 0.2,
        };
        var ks = new Option<int[]>("--k")
        {
            Description = $"List lengths to report, comma-separated, each 1 to {LiveListLength}.",
            DefaultValueFactory = _ => [10, 20],
            CustomParser = ParseKs,
        };
        var users = new Option<int?>("--users", "-u")
        {
            Description = $"Evaluate a sample of this many listeners with at least 2 plays, chosen by --seed; synthetic: the number of listeners [default: all; synthetic {DefaultSyntheticUsers:N0}].",
        };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Also write the report as JSON to this file.",
        };
        var catalog = CommonOptions.Catalog("match the plays to (the silo's Catalog__Path)");
        var seed = new Option<int>("--seed", "-s")
        {
            Description = "Seeds the --users sample and the synthetic listeners.",
            DefaultValueFactory = _ => 42,
        };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long to wait for the live system to process the training plays: 90s, 10m, 1h.",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
            CustomParser = result => GenerateCommand.TryParseDuration(result.Tokens.Count > 0 ? result.Tokens[0].Value : "", out var duration)
                ? duration
                : ParseError<TimeSpan>(result, "--timeout is not a positive duration such as 90s or 10m."),
        };
        var noProduce = new Option<bool>("--no-produce")
        {
            Description = "Skip step 2: an earlier evaluate with the same --dataset, --users, --seed and --holdout already produced the training plays (to measure again, e.g. after encore train published a model).",
        };
        var baselines = new Option<string[]>("--baselines")
        {
            Description = "The baselines to compute, comma-separated, or none (EASE takes minutes; leave it out while iterating).",
            HelpName = $"{string.Join(",", LevelScoring.Baselines)}|{NoBaselines}",
            DefaultValueFactory = _ => [.. LevelScoring.Baselines],
            CustomParser = ParseBaselines,
        };
        var topic = CommonOptions.Topic();
        var properties = CommonOptions.KafkaProperties();

        var command = new Command("evaluate", Protocol)
        {
            dataset, api, apiKey, bootstrap, holdout, ks, users, json, catalog, seed, timeout, noProduce, baselines, topic, properties,
        };
        holdout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and < 1))
            {
                result.AddError("--holdout must be strictly between 0 and 1, e.g. 0.2.");
            }
        });
        users.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--users must be at least 1.");
            }
        });

        command.SetAction((parse, cancellationToken) =>
        {
            var request = new EvaluateRequest(
                Dataset: parse.GetRequiredValue(dataset),
                Api: parse.GetRequiredValue(api),
                ApiKey: parse.GetValue(apiKey),
                Kafka: CommonOptions.ReadProducer(parse, bootstrap, topic, properties),
                Holdout: parse.GetValue(holdout),
                Ks: parse.GetRequiredValue(ks),
                Users: parse.GetValue(users),
                JsonPath: parse.GetValue(json)?.FullName,
                CatalogPath: parse.GetValue(catalog)?.FullName,
                Seed: parse.GetValue(seed),
                Timeout: parse.GetValue(timeout),
                NoProduce: parse.GetValue(noProduce),
                Baselines: parse.GetRequiredValue(baselines));
            return new EvaluateRun(request, console ?? AnsiConsole.Console, handler, time ?? TimeProvider.System).RunAsync(cancellationToken);
        });
        return command;
    }

    private static EvaluationDataset? ParseDataset(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        return EvaluationDataset.TryParse(text, out var dataset, out var error) ? dataset : ParseError<EvaluationDataset>(result, error!);
    }

    internal static Uri? ParseApi(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : ParseError<Uri>(result, $"--api '{text}' is not an http:// or https:// URL, e.g. http://localhost:8080.");
    }

    private static int[]? ParseKs(ArgumentResult result)
    {
        var text = string.Join(',', result.Tokens.Select(t => t.Value));
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ks = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k is < 1 or > LiveListLength)
            {
                return ParseError<int[]>(result, $"--k '{part}' is not a list length from 1 to {LiveListLength}.");
            }

            ks.Add(k);
        }

        return ks.Count == 0 ? ParseError<int[]>(result, "--k needs at least one list length, e.g. 10,20.")
            : ks.Distinct().Count() != ks.Count ? ParseError<int[]>(result, $"--k '{text}' repeats a list length.")
            : [.. ks];
    }

    /// <summary>Baseline names from <see cref="LevelScoring.Baselines"/>, or <see cref="NoBaselines"/> alone for none.</summary>
    private static string[]? ParseBaselines(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names is [NoBaselines])
        {
            return [];
        }

        var unknown = names.FirstOrDefault(n => !LevelScoring.Baselines.Contains(n));
        return names.Length == 0 || unknown is not null
            ? ParseError<string[]>(result, $"--baselines '{text}' names {(unknown is null ? "nothing" : $"'{unknown}'")}: give some of {string.Join(", ", LevelScoring.Baselines)}, comma-separated, or {NoBaselines}.")
            : names;
    }

    private static T? ParseError<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }

    internal sealed record EvaluateRequest(
        EvaluationDataset Dataset,
        Uri Api,
        string? ApiKey,
        ProducerSettings Kafka,
        double Holdout,
        int[] Ks,
        int? Users,
        string? JsonPath,
        string? CatalogPath,
        int Seed,
        TimeSpan Timeout,
        bool NoProduce = false,
        IReadOnlyCollection<string>? Baselines = null);

    /// <summary>One invocation: read, split, produce, wait, ask, score, report.</summary>
    private sealed class EvaluateRun(EvaluateRequest request, IAnsiConsole console, HttpMessageHandler? handler, TimeProvider time)
    {
        private readonly Dictionary<string, string> _notes = new(StringComparer.Ordinal);

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            if (CommonOptions.LoadCatalog(request.CatalogPath, console) is not { } catalog)
            {
                return ExitCodes.SetupFailed;
            }

            using var http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null)
            {
                BaseAddress = new Uri(request.Api.AbsoluteUri.TrimEnd('/') + "/"),
                Timeout = RequestTimeout,
            };
            CommonOptions.SendApiKey(http, request.ApiKey);
            var api = new EncoreApiClient(http);

            // The API is asked first, so that nothing is produced for a system that cannot be measured.
            PipelineStatsSnapshot before;
            try
            {
                before = await api.GetStatsAsync(cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                console.MarkupLineInterpolated(
                    $"[red]Cannot reach the Encore API at {request.Api}: {e.Message}[/] Start a silo (dotnet run --project Silo), or pass --api (and --api-key for a silo with API keys).");
                return ExitCodes.SetupFailed;
            }

            if (ReadSplits(catalog) is not { } splits)
            {
                return ExitCodes.SetupFailed;
            }

            if (request.NoProduce)
            {
                // Producing again would be harmless for listeners whose eventIds are still remembered, but
                // a listener with more plays than the user grain remembers would count some twice.
                _notes["training plays produced"] = "none (--no-produce: already in the live system)";
            }
            else
            {
                var (produced, produceExit) = await ProduceTrainingAsync(splits, cancellationToken);
                if (produceExit is { } failed)
                {
                    return failed;
                }

                if (!await WaitForProcessingAsync(api, before, produced, cancellationToken))
                {
                    return cancellationToken.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Failed;
                }
            }

            var live = await AskLiveAsync(api, splits, cancellationToken);
            if (live is null)
            {
                return cancellationToken.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Failed;
            }

            var report = Score(catalog, splits.Select(s => s.Split).ToList(), live);
            RenderWide(report);
            if (request.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToJson(), cancellationToken);
                console.MarkupLineInterpolated($"Report written to {path}.");
            }

            return ExitCodes.Success;
        }

        /// <summary>
        /// Renders the report at least <see cref="ReportWidth"/> columns wide when the output is a file or a pipe:
        /// Spectre assumes 80 there, which folds a table of eleven figures a row into unreadable cells.
        /// </summary>
        private void RenderWide(EvaluationReport report)
        {
            var width = console.Profile.Width;
            if (Console.IsOutputRedirected || !console.Profile.Capabilities.Interactive)
            {
                console.Profile.Width = Math.Max(width, ReportWidth);
            }

            try
            {
                report.Render(console);
            }
            finally
            {
                console.Profile.Width = width;
            }
        }

        /// <summary>Step 1: the listeners, sampled and split; null (after saying why) when there is nothing to evaluate.</summary>
        private List<(ListenerSplit Split, IReadOnlyList<ListeningEvent> Train)>? ReadSplits(TrackCatalog catalog)
        {
            List<ListenerHistory> listeners;
            var reading = Stopwatch.StartNew();
            if (request.Dataset.Format is not { } format)
            {
                listeners = Synthetic(catalog);
            }
            else
            {
                var summary = new ListeningReadSummary();
                try
                {
                    var withPlays = ListeningSources.Read(format, request.Dataset.Path!, catalog, summary).Where(l => l.Plays.Count >= 2);
                    listeners = request.Users is { } n ? EvaluationDataset.Sample(withPlays, n, request.Seed) : [.. withPlays];
                }
                catch (Exception e) when (e is FileNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
                {
                    console.MarkupLineInterpolated($"[red]{e.Message}[/]");
                    return null;
                }

                var table = new Table().Border(TableBorder.Rounded).Title("read").AddColumn("").AddColumn(new TableColumn("").RightAligned());
                table.ShowHeaders = false;
                ReplayCommand.AddReadRows(table, format, summary);
                console.Write(table);
                ReplayCommand.WriteReadDetails(console, summary);
                _notes["entries matched"] = format == ListeningFormat.Mpd
                    ? $"{summary.Events:N0} ({summary.MatchedById:N0} by id, {summary.MatchedByName:N0} by artist + name, {summary.MatchedByArtist:N0} by artist only), {summary.Unmatched:N0} unmatched"
                    : $"{summary.Events:N0} ({summary.MatchedById:N0} by id, {summary.MatchedByName:N0} by artist + name), {summary.Unmatched:N0} unmatched";
                _notes["listeners read"] = $"{summary.Listeners:N0}";
            }

            var splits = new List<(ListenerSplit, IReadOnlyList<ListeningEvent>)>(listeners.Count);
            foreach (var listener in listeners)
            {
                if (Holdout.Split(listener.Plays, request.Holdout) is var (train, test))
                {
                    splits.Add((new ListenerSplit(listener.UserId, [.. train.Select(p => p.TrackId)], [.. test.Select(p => p.TrackId)]), train));
                }
            }

            if (splits.Count == 0)
            {
                console.MarkupLineInterpolated($"[red]{request.Dataset.Name} has no listener with at least 2 plays of catalog tracks: nothing to evaluate.[/]");
                return null;
            }

            var sample = request.Users is { } users && request.Dataset.Format is not null ? $", a sample of {users:N0} by seed {request.Seed}" : "";
            _notes["listeners evaluated"] = $"{splits.Count:N0} with at least 2 plays{sample}";
            console.MarkupLineInterpolated(
                $"{splits.Count:N0} listeners with at least 2 plays{sample}: {splits.Sum(s => s.Item2.Count):N0} training plays, {splits.Sum(s => s.Item1.TestTracks.Count):N0} held out ({reading.ElapsedMilliseconds:N0} ms).");
            return splits;
        }

        /// <summary>The play generator's listeners, renamed <c>eval-user-N</c> so that they never mix with the silo's demo traffic.</summary>
        private List<ListenerHistory> Synthetic(TrackCatalog catalog)
        {
            var users = request.Users ?? DefaultSyntheticUsers;
            var generator = new PlayGenerator(catalog, new GeneratorSettings
            {
                Seed = request.Seed,
                Users = users,
                Start = GenerateCommand.DefaultStart(time),
                Clock = time,
            });
            _notes["synthetic"] = $"{users:N0} listeners, {users * SyntheticPlaysPerUser:N0} plays, seed {request.Seed}";
            return [.. generator.Generate(users * SyntheticPlaysPerUser)
                .Select(p => p with { UserId = $"eval-{p.UserId}" })
                .GroupBy(p => p.UserId, StringComparer.Ordinal)
                .Select(g => new ListenerHistory(g.Key, [.. g]))];
        }

        /// <summary>Step 2: every training play to Kafka; the count produced, or the exit code when that failed.</summary>
        private async Task<(long Produced, int? Exit)> ProduceTrainingAsync(
            List<(ListenerSplit Split, IReadOnlyList<ListeningEvent> Train)> splits,
            CancellationToken cancellationToken)
        {
            using var producer = request.Kafka.CreateProducer("encore-evaluate", time);
            if (producer.PartitionCount(console) is null)
            {
                return (0, ExitCodes.SetupFailed);
            }

            var total = splits.Sum(s => s.Train.Count);
            var elapsed = Stopwatch.StartNew();
            var completed = await ProduceProgress.RunAsync(console, producer, elapsed, total, async progress =>
            {
                var done = await producer.ProduceAllAsync(splits.SelectMany(s => s.Train), 0, () => progress.Report(producer.Produced), cancellationToken);
                progress.Report(producer.Produced, force: true);
                return done;
            });
            if (!completed || producer.Failed > 0)
            {
                console.MarkupLineInterpolated(
                    $"[red]{producer.Delivered:N0} of {total:N0} training plays delivered to {producer.Topic} at {producer.Bootstrap}: {producer.LastError ?? "cancelled"}.[/]");
                return (producer.Produced, completed ? ExitCodes.Failed : ExitCodes.Cancelled);
            }

            _notes["training plays produced"] = $"{producer.Produced:N0} to {producer.Topic}";
            console.MarkupLineInterpolated($"{producer.Delivered:N0} training plays delivered to {producer.Topic} in {elapsed.Elapsed.TotalSeconds:N1} s.");
            return (producer.Produced, null);
        }

        /// <summary>
        /// Step 3: polls the stats until the live system has processed what was produced — eventsProcessed grew
        /// by the count, or (resends are counted again there) it reached the count less the duplicates dropped
        /// and then stayed still for five seconds. False (after saying what it saw) at the deadline.
        /// </summary>
        private async Task<bool> WaitForProcessingAsync(EncoreApiClient api, PipelineStatsSnapshot before, long produced, CancellationToken cancellationToken)
        {
            var watch = new ProcessingWatch(before, produced, request.Timeout);
            var started = time.GetTimestamp();
            var lastReport = TimeSpan.Zero;
            console.MarkupLineInterpolated($"Waiting for {request.Api} to process {produced:N0} plays (at most {request.Timeout.TotalSeconds:N0} s)…");
            try
            {
                while (true)
                {
                    var stats = await api.GetStatsAsync(cancellationToken);
                    var now = time.GetElapsedTime(started);
                    switch (watch.Observe(stats, now))
                    {
                        case ProcessingState.Processed:
                            console.MarkupLineInterpolated($"Processed: {watch.Processed:N0} events ({watch.Duplicates:N0} duplicates dropped) in {now.TotalSeconds:N1} s.");
                            return true;
                        case ProcessingState.Quiet:
                            console.MarkupLineInterpolated(
                                $"Processed: {watch.Processed:N0} events, {watch.Duplicates:N0} of them duplicates, and quiet for {ProcessingWatch.QuietPeriod.TotalSeconds:N0} s.");
                            return true;
                        case ProcessingState.TimedOut:
                            var hint = watch.Rejected > 0
                                ? $" {watch.Rejected:N0} events were rejected meanwhile: does the silo use the same catalog (Catalog__Path) as --catalog?"
                                : " Is the silo reading this topic at this bootstrap?";
                            console.MarkupLineInterpolated(
                                $"[red]After {request.Timeout.TotalSeconds:N0} s the live system has processed {watch.Processed:N0} of the {produced:N0} plays produced ({watch.Duplicates:N0} duplicates).[/]{hint}");
                            return false;
                    }

                    if (now - lastReport >= ReportInterval)
                    {
                        lastReport = now;
                        console.WriteLine($"processed {watch.Processed:N0} of {produced:N0} ({watch.Duplicates:N0} duplicates, {watch.Rejected:N0} rejected)");
                    }

                    await Task.Delay(StatsPollInterval, time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                console.MarkupLineInterpolated($"[red]The Encore API at {request.Api} stopped answering: {e.Message}[/]");
                return false;
            }
        }

        /// <summary>
        /// Step 4: the live lists of every evaluated listener, a few requests at a time. A listener the API
        /// fails for is left out of every method (and counted in the notes); null when the API is gone.
        /// </summary>
        private async Task<Dictionary<string, IReadOnlyList<string>>?> AskLiveAsync(
            EncoreApiClient api,
            List<(ListenerSplit Split, IReadOnlyList<ListeningEvent> Train)> splits,
            CancellationToken cancellationToken)
        {
            var lists = new ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var models = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
            var failures = new ConcurrentQueue<string>();
            var elapsed = Stopwatch.StartNew();
            try
            {
                await Parallel.ForEachAsync(
                    splits.Select(s => s.Split.UserId),
                    new ParallelOptions { MaxDegreeOfParallelism = ParallelRequests, CancellationToken = cancellationToken },
                    async (userId, token) =>
                    {
                        try
                        {
                            if (await api.GetRecommendationsAsync(userId, LiveListLength, token) is { } answer)
                            {
                                lists[userId] = [.. answer.Items.Select(i => i.TrackId)];
                                models.TryAdd(answer.ModelVersion, 0);
                            }
                            else
                            {
                                failures.Enqueue($"{userId}: unknown to the API (404)");
                            }
                        }
                        catch (HttpRequestException e) when (e.StatusCode is not null)
                        {
                            failures.Enqueue($"{userId}: {(int)e.StatusCode} {e.Message}");
                        }
                        catch (TaskCanceledException) when (!token.IsCancellationRequested)
                        {
                            failures.Enqueue($"{userId}: no answer within {RequestTimeout.TotalSeconds:N0} s");
                        }
                    });
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (HttpRequestException e)
            {
                console.MarkupLineInterpolated($"[red]Cannot reach the Encore API at {request.Api}: {e.Message}[/]");
                return null;
            }

            console.MarkupLineInterpolated($"{lists.Count:N0} recommendation lists from {request.Api} in {elapsed.Elapsed.TotalSeconds:N1} s.");
            _notes["encore model"] = models.IsEmpty ? "-" : string.Join(", ", models.Keys.Order(StringComparer.Ordinal));
            if (!failures.IsEmpty)
            {
                _notes["encore failures"] = $"{failures.Count:N0} listeners left out of every method, e.g. {failures.Order(StringComparer.Ordinal).First()}";
                console.MarkupLineInterpolated($"[yellow]{failures.Count:N0} listeners got no list and are left out, e.g. {failures.Order(StringComparer.Ordinal).First()}.[/]");
            }

            if (lists.IsEmpty)
            {
                console.MarkupLineInterpolated($"[red]No listener got a recommendation list from {request.Api}.[/]");
                return null;
            }

            return new Dictionary<string, IReadOnlyList<string>>(lists, StringComparer.Ordinal);
        }

        /// <summary>Step 5: both levels, the live row and the baselines, in one report.</summary>
        private EvaluationReport Score(TrackCatalog catalog, List<ListenerSplit> splits, Dictionary<string, IReadOnlyList<string>> live)
        {
            var results = new List<MethodResult>();
            foreach (var level in Enum.GetValues<EvaluationLevel>())
            {
                var scoring = new LevelScoring(level, catalog);
                var elapsed = Stopwatch.StartNew();
                results.AddRange(scoring.Score(splits, LiveMethod, live, request.Ks, request.Baselines));
                var name = level.ToString().ToLowerInvariant();
                if (scoring.EaseLambda is { } lambda)
                {
                    _notes[$"ease lambda ({name})"] = lambda.ToString(CultureInfo.InvariantCulture);
                    _notes["ease"] = $"lambda picked from {string.Join(", ", LevelScoring.EaseLambdas)} by NDCG@{request.Ks.Max()} on the last {EaseBaseline.ValidationFraction:P0} of each listener's training plays; the {LevelScoring.EaseMaxItems:N0} most listened items";
                }

                console.MarkupLineInterpolated($"Scored the {name} level in {elapsed.Elapsed.TotalSeconds:N1} s.");
            }

            _notes["catalog"] = catalog.Source;
            return new EvaluationReport(request.Dataset.Name, request.Holdout, results, _notes);
        }
    }
}
