using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Encore.Events;
using Encore.Silo.Hosting;
using Xunit.Abstractions;

namespace Encore.Silo.Tests;

/// <summary>
/// What an operator reads off a running silo: Prometheus text at /metrics (Encore's, Orleans' and
/// ASP.NET Core's series), the OpenAPI description of every route the README lists, and readiness
/// that follows Kafka.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed partial class ObservabilityTests(SiloFixture silo, ITestOutputHelper output)
{
    private readonly HttpClient _http = silo.Http;

    [Fact]
    public async Task MetricsShowEncoreOrleansAndAspNetCoreSeriesAndCountPostedEvents()
    {
        var before = await ScrapeAsync();
        Assert.Equal(1, before.Value("encore_model_active", "version=\"heuristic-v4\""));
        // Nothing near the partner budget: every list may keep its kind's capacity.
        Assert.Equal(4_096, before.Value("encore_similarity_list_capacity", "kind=\"artist\""));
        Assert.Equal(1_024, before.Value("encore_similarity_list_capacity", "kind=\"track\""));
        // A series per reason from the start, so that a dashboard shows each before its first rejection.
        Assert.Equal(
            Enum.GetNames<RejectReason>().Append("ApplyFailed").Append("Other").Order(),
            before.Series("encore_events_rejected_total").Select(s => ReasonLabel().Match(s.Labels).Groups[1].Value).Order());
        await Eventually.TrueAsync(async () => (await ScrapeAsync()).Series("encore_partition_lag").Count() == SiloFixture.Partitions, "a lag series per partition");
        Assert.Equal(
            Enumerable.Range(0, SiloFixture.Partitions).Select(p => $"partition=\"{p}\""),
            (await ScrapeAsync()).Series("encore_partition_lag").Select(s => PartitionLabel().Match(s.Labels).Value).Order());

        var events = await PlaysAsync(5);
        var stats = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/api/events", events)).StatusCode);
        await Eventually.TrueAsync(
            async () => (await ScrapeAsync()).Value("encore_events_processed_total") - before.Value("encore_events_processed_total") >= events.Length,
            $"encore_events_processed_total moves by {events.Length}");

        // The counter and /api/stats read the same numbers.
        var after = await ScrapeAsync();
        var statsAfter = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(events.Length, after.Value("encore_events_processed_total") - before.Value("encore_events_processed_total"));
        Assert.Equal(statsAfter!.EventsProcessed, after.Value("encore_events_processed_total"));
        Assert.Equal(events.Length, statsAfter.EventsProcessed - stats!.EventsProcessed);
        Assert.True(after.Value("encore_batch_duration_seconds_count") > before.Value("encore_batch_duration_seconds_count"));

        // Histograms appear with their first measurement: by now a batch was applied and a recommendation served.
        foreach (var family in new[]
        {
            "encore_events_processed_total", "encore_events_rejected_total", "encore_events_duplicates_total", "encore_events_replayed_total",
            "encore_partition_lag", "encore_batch_duration_seconds", "encore_recommendation_duration_seconds", "encore_model_active",
            "encore_similarity_partners", "encore_similarity_list_capacity",
            "orleans_grains", "orleans_app_requests_latency_milliseconds", "http_server_request_duration_seconds",
        })
        {
            Assert.True(after.Families.Contains(family), $"/metrics has no {family}; it has {string.Join(", ", after.Families.Order())}");
        }
    }

    [Fact]
    public async Task AFrameworkInstrumentKeepsAtMostItsSeriesLimitAndCountsTheRestInOverflow()
    {
        // A process-wide meter of a framework's name, as the silo exports one: 300 label sets, one count each.
        using var meter = new Meter("Microsoft.Orleans");
        var counter = meter.CreateCounter<long>("encore.test.series");
        for (var i = 0; i < 300; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("n", i.ToString(CultureInfo.InvariantCulture)));
        }

        // The exporter answers a scrape soon after another from its cache (300 ms).
        await Eventually.TrueAsync(async () => (await ScrapeAsync()).Series("encore_test_series_total").Any(), "the test counter's series");
        var series = (await ScrapeAsync()).Series("encore_test_series_total").ToList();
        var overflow = series.Where(s => s.Labels.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal)).ToList();
        Assert.Single(overflow);
        Assert.Equal(TelemetryHosting.FrameworkSeriesLimit + 1, series.Count);
        // Nothing is lost: the label sets past the limit are counted in the overflow series.
        Assert.Equal(300, series.Sum(s => s.Value));
        Assert.Equal(300 - TelemetryHosting.FrameworkSeriesLimit, overflow[0].Value);
    }

    [Fact]
    public async Task RejectionsAreCountedByReason()
    {
        var before = await ScrapeAsync();
        using (var producer = new Confluent.Kafka.ProducerBuilder<string, string>(new Confluent.Kafka.ProducerConfig { BootstrapServers = silo.KafkaBootstrapServers }).Build())
        {
            await producer.ProduceAsync(Constants.DefaultTopic, new() { Key = "metrics-bad", Value = "not json" });
            await producer.ProduceAsync(Constants.DefaultTopic, new() { Key = "metrics-bad", Value = "{\"eventId\":\"x\"}" });
        }

        await Eventually.TrueAsync(
            async () => (await ScrapeAsync()).Value("encore_events_rejected_total") - before.Value("encore_events_rejected_total") >= 2,
            "two more rejections");
        var after = await ScrapeAsync();
        Assert.Equal(1, after.Value("encore_events_rejected_total", "reason=\"NotJson\"") - before.Value("encore_events_rejected_total", "reason=\"NotJson\""));
        Assert.Equal(1, after.Value("encore_events_rejected_total", "reason=\"MissingField\"") - before.Value("encore_events_rejected_total", "reason=\"MissingField\""));
        Assert.Equal(2, after.Value("encore_events_rejected_total") - before.Value("encore_events_rejected_total"));
        Assert.Equal((await _http.GetFromJsonAsync<StatsDto>("/api/stats"))!.EventsRejected, after.Value("encore_events_rejected_total"));
    }

    [Fact]
    public async Task TheDashboardQueriesOnlySeriesTheSiloExports()
    {
        // Everything a Grafana panel asks for is in a real scrape (k8s/monitoring/grafana/encore-dashboard.json).
        // Histograms and stream series appear once something was measured: a request and a processed batch.
        await _http.GetAsync("/api/users/dashboard-probe/recommendations?count=1");
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/api/events", await PlaysAsync(1))).StatusCode);
        await Eventually.TrueAsync(
            async () => (await ScrapeAsync()).Names.Contains("encore_batch_duration_seconds_bucket"), "a batch was applied and timed");
        var metrics = await ScrapeAsync();
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(RepoFile("k8s/monitoring/grafana/encore-dashboard.json")));
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => SeriesName().Matches(NotSeries().Replace(t.GetProperty("expr").GetString()!, " ")).Select(m => m.Value))
            .Where(name => name.Contains('_', StringComparison.Ordinal))
            .ToHashSet();
        Assert.NotEmpty(queried);
        var exported = metrics.Names;
        Assert.All(queried, name => Assert.True(exported.Contains(name), $"The dashboard queries {name}, which /metrics does not have."));
    }

    [Fact]
    public async Task OpenApiDescribesEveryRouteOfTheReadmesApiTableAndNoOther()
    {
        var response = await _http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString());

        var described = root.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Method: operation.Name.ToUpperInvariant(), Path: path.Name, Operation: operation.Value)))
            .ToList();
        var listed = ReadmeApiRoutes();
        output.WriteLine($"README routes: {string.Join(", ", listed.Select(r => $"{r.Method} {r.Path}"))}");
        Assert.Equal(listed.Order(), described.Select(d => (d.Method, d.Path)).Order());

        foreach (var (method, path, operation) in described)
        {
            var name = $"{method} {path}";
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("operationId").GetString()), $"{name} has no operationId.");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{name} has no summary.");

            // Every route parameter is described.
            var parameters = operation.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
            foreach (Match routeValue in RouteValue().Matches(path))
            {
                var parameter = Assert.Single(parameters, x => x.GetProperty("name").GetString() == routeValue.Groups[1].Value && x.GetProperty("in").GetString() == "path");
                Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()), $"{name}: {routeValue.Value} has no description.");
            }

            // Every 4xx is a ProblemDetails.
            foreach (var answer in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4')))
            {
                var schema = answer.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                Assert.Equal("#/components/schemas/ProblemDetails", schema);
            }
        }

        // The answers the handlers give besides 200 are there.
        string[] Statuses(string method, string path) =>
            [.. described.Single(d => d.Method == method && d.Path == path).Operation.GetProperty("responses").EnumerateObject().Select(r => r.Name)];
        Assert.Equal(["200", "400", "404"], Statuses("GET", "/api/users/{userId}"));
        Assert.Equal(["200", "400"], Statuses("GET", "/api/users/{userId}/recommendations"));
        Assert.Equal(["200", "400", "404"], Statuses("GET", "/api/tracks/{trackId}"));
        Assert.Equal(["200", "404"], Statuses("GET", "/api/artists/{artist}"));
        Assert.Equal(["200", "400"], Statuses("GET", "/api/trending"));
        Assert.Equal(["202", "400", "413", "429", "503"], Statuses("POST", "/api/events"));
        Assert.Equal(["200", "503"], Statuses("GET", "/health/ready"));
    }

    [Fact]
    public async Task ReadinessTurnsUnhealthyWhileKafkaIsDownAndHealthyAfter()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/ready")).StatusCode);
        silo.Kafka.SetBrokerDown(1);
        try
        {
            HealthDto? health = null;
            await Eventually.TrueAsync(async () =>
            {
                var response = await _http.GetAsync("/health/ready");
                health = await response.Content.ReadFromJsonAsync<HealthDto>();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, "readiness fails while the broker is down", TimeSpan.FromSeconds(30));

            Assert.Equal("Unhealthy", health!.Status);
            Assert.Equal(
                [("catalog", "Healthy"), ("kafka", "Unhealthy"), ("membership", "Healthy")],
                health.Checks.Select(c => (c.Name, c.Status)));
            Assert.StartsWith($"Kafka at {silo.KafkaBootstrapServers} did not answer a metadata request within 2 s: ", health.Checks[1].Description);
            output.WriteLine($"while down: {health.Checks[1].Description}");
        }
        finally
        {
            silo.Kafka.SetBrokerUp(1);
        }

        await Eventually.TrueAsync(
            async () => (await _http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "readiness recovers once the broker is back", TimeSpan.FromSeconds(60));

        // The pipeline itself is back too: an event posted now is processed.
        var before = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        var events = await PlaysAsync(1);
        await Eventually.TrueAsync(
            async () => (await _http.PostAsJsonAsync("/api/events", events)).StatusCode == HttpStatusCode.Accepted,
            "the event is produced once the producer has reconnected", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(
            async () => (await _http.GetFromJsonAsync<StatsDto>("/api/stats"))!.EventsProcessed > before!.EventsProcessed,
            "an event posted after the outage is processed", TimeSpan.FromSeconds(60));
    }

    /// <summary>Plays of fresh listeners, one per catalog track, as the API takes them.</summary>
    private async Task<object[]> PlaysAsync(int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var tracks = await silo.CatalogTracksAsync(count);
        return [.. tracks.Select((track, i) => new
        {
            eventId = $"{run}-{i}", userId = $"metrics-{run}-{i}", trackId = track, ts = DateTimeOffset.UtcNow, msPlayed = 120_000,
        })];
    }

    private async Task<Scrape> ScrapeAsync()
    {
        var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return Scrape.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The routes of the README's "HTTP API" table: each row's first cell names one or more routes in
    /// backticks, "GET /health/live", "/health/ready" (a path alone takes the method before it); the
    /// query string is not part of a route.
    /// </summary>
    private static List<(string Method, string Path)> ReadmeApiRoutes()
    {
        var lines = File.ReadAllLines(RepoFile("README.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("## HTTP API", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md has no '## HTTP API' section.");
        var routes = new List<(string, string)>();
        foreach (var row in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var method = "";
            foreach (Match code in Code().Matches(row.Split('|')[1]))
            {
                var parts = code.Groups[1].Value.Split(' ', 2);
                method = parts.Length == 2 ? parts[0] : method;
                routes.Add((method, parts[^1].Split('?')[0]));
            }
        }

        Assert.NotEmpty(routes);
        return routes;
    }

    private static string RepoFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteValue();

    [GeneratedRegex(@"reason=""(\w+)""")]
    private static partial Regex ReasonLabel();

    [GeneratedRegex(@"partition=""\d+""")]
    private static partial Regex PartitionLabel();

    /// <summary>An identifier not followed by a parenthesis: a series name once <see cref="NotSeries"/> is gone.</summary>
    [GeneratedRegex(@"\b[a-z][a-z0-9_]*\b(?!\s*\()")]
    private static partial Regex SeriesName();

    /// <summary>What in PromQL names no series: label lists of by/without, label matchers, ranges.</summary>
    [GeneratedRegex(@"\b(by|without)\s*\([^)]*\)|\{[^}]*\}|\[[^\]]*\]")]
    private static partial Regex NotSeries();

    /// <summary>One scrape of the Prometheus text format: series with their labels and values.</summary>
    private sealed partial class Scrape
    {
        private readonly List<(string Name, string Labels, double Value)> _series = [];

        /// <summary>The metric families, from the # TYPE lines.</summary>
        public HashSet<string> Families { get; } = [];

        /// <summary>Every series name (a histogram's _bucket, _sum and _count included).</summary>
        public HashSet<string> Names => [.. _series.Select(s => s.Name)];

        public static Scrape Parse(string text)
        {
            var scrape = new Scrape();
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    scrape.Families.Add(line.Split(' ')[2]);
                }
                else if (SeriesLine().Match(line) is { Success: true } m)
                {
                    scrape._series.Add((m.Groups[1].Value, m.Groups[2].Value, double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
                }
            }

            return scrape;
        }

        public IEnumerable<(string Name, string Labels, double Value)> Series(string name) => _series.Where(s => s.Name == name);

        /// <summary>The sum of the series named <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
        public double Value(string name, string label = "") =>
            Series(name).Where(s => s.Labels.Contains(label, StringComparison.Ordinal)).Sum(s => s.Value);

        [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$")]
        private static partial Regex SeriesLine();
    }
}
