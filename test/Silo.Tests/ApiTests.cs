using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Encore.Silo.Tests;

/// <summary>Every endpoint of the README's "HTTP API", its happy path and its 4xx answers.</summary>
[Collection(SiloCollection.Name)]
public sealed class ApiTests(SiloFixture silo)
{
    private readonly HttpClient _http = silo.Http;

    [Fact]
    public async Task LivenessChecksNothing()
    {
        var response = await _http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<HealthDto>();
        Assert.Equal("Healthy", health!.Status);
        Assert.Empty(health.Checks);
    }

    [Fact]
    public async Task ReadinessNamesEachCheckAndItsStatus()
    {
        var response = await _http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var health = await response.Content.ReadFromJsonAsync<HealthDto>();
        Assert.Equal("Healthy", health!.Status);

        // No PostgreSQL in this fixture, so no postgres check.
        Assert.Equal(["catalog", "kafka", "membership"], health.Checks.Select(c => c.Name));
        Assert.All(health.Checks, c => Assert.Equal("Healthy", c.Status));
        Assert.Matches(@"^The catalog \(\d+ tracks\) is loaded and the recommendation index built\.$", health.Checks[0].Description);
        Assert.Equal($"Kafka at {silo.KafkaBootstrapServers}: topic 'music.plays' has {SiloFixture.Partitions} partitions on 1 brokers.", health.Checks[1].Description);
        Assert.Matches(@"^Silo S127\.0\.0\.1:\d+:\d+ is Active; 1 active silos in the cluster\.$", health.Checks[2].Description);
    }

    [Fact]
    public void WithoutKeysTheSiloListensOnLocalhostOnly()
    {
        // The fixture asks for http://0.0.0.0:0 and configures no key.
        var address = Assert.Single(silo.ListeningAddresses);
        Assert.StartsWith("http://127.0.0.1:", address);
        Assert.Equal("127.0.0.1", silo.BaseAddress.Host);
    }

    [Fact]
    public void EveryRouteHasTheRequestTimeoutButTheDashboardsTraceStream()
    {
        var endpoints = silo.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/api/events");

        var untimed = endpoints.Where(e => e.Metadata.GetMetadata<DisableRequestTimeoutAttribute>() is not null).Select(e => e.RoutePattern.RawText);
        Assert.Equal(["/dashboard/Trace"], untimed);
    }

    [Fact]
    public async Task TheWebPageIsServedAtTheRoot()
    {
        var response = await _http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=\"recommendations\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheOrleansDashboardIsServedUnderDashboard()
    {
        var response = await _http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ANewListenerGetsTwentyRecommendationsByDefault()
    {
        var recs = await _http.GetFromJsonAsync<RecommendationsDto>("/api/users/brand-new-listener/recommendations");
        Assert.Equal("brand-new-listener", recs!.UserId);
        Assert.Equal("heuristic-v4", recs.ModelVersion);
        Assert.Equal(20, recs.Items.Length);
        Assert.All(recs.Items, i => Assert.Single(i.Reasons));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100", 100)]
    public async Task RecommendationCountsFromOneToAHundredAreHonoured(string count, int expected)
    {
        var recs = await _http.GetFromJsonAsync<RecommendationsDto>($"/api/users/counter/recommendations?count={count}");
        Assert.Equal(expected, recs!.Items.Length);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-3")]
    [InlineData("abc")]
    [InlineData("")]
    public async Task RecommendationCountsOutsideOneToAHundredAreRejected(string count)
    {
        var problem = await ProblemAsync(await _http.GetAsync($"/api/users/u/recommendations?count={count}"), HttpStatusCode.BadRequest);
        Assert.Equal("Invalid count", problem.Title);
        Assert.Contains("from 1 to 100", problem.Detail);
    }

    [Fact]
    public async Task AUserNeverSeenIsNotFound()
    {
        var problem = await ProblemAsync(await _http.GetAsync("/api/users/nobody-ever"), HttpStatusCode.NotFound);
        Assert.Equal("Unknown user", problem.Title);
        Assert.Contains("nobody-ever", problem.Detail);
    }

    [Fact]
    public async Task AnUnknownTrackIsNotFound()
    {
        var problem = await ProblemAsync(await _http.GetAsync("/api/tracks/not-a-track"), HttpStatusCode.NotFound);
        Assert.Equal("Unknown track", problem.Title);
    }

    [Fact]
    public async Task AKnownTrackHasItsCatalogFieldsAndStatistics()
    {
        var id = (await silo.CatalogTracksAsync(1))[0];
        var track = await _http.GetFromJsonAsync<TrackDto>($"/api/tracks/{id}");
        Assert.Equal(id, track!.TrackId);
        Assert.NotEmpty(track.TrackName);
        Assert.NotEmpty(track.Genres);
        Assert.True(track.DurationMs > 0);
    }

    [Fact]
    public async Task TrendingAnswersForAllGenresAndForOne()
    {
        var all = await _http.GetFromJsonAsync<TrendingDto>("/api/trending?count=5");
        Assert.Equal("all", all!.Genre);
        Assert.InRange(all.Items.Length, 0, 5);

        var rock = await _http.GetFromJsonAsync<TrendingDto>("/api/trending?genre=rock");
        Assert.Equal("rock", rock!.Genre);
    }

    [Theory]
    [InlineData("/api/trending?genre=no-such-genre", "Unknown genre")]
    [InlineData("/api/trending?count=0", "Invalid count")]
    [InlineData("/api/trending?count=x", "Invalid count")]
    public async Task BadTrendingParametersAreRejected(string url, string title)
    {
        var problem = await ProblemAsync(await _http.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.Equal(title, problem.Title);
    }

    [Fact]
    public async Task StatsSumTheCluster()
    {
        await Eventually.TrueAsync(
            async () => (await _http.GetFromJsonAsync<StatsDto>("/api/stats"))!.Partitions.Length == SiloFixture.Partitions,
            "every Kafka partition reported");
        var stats = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(1, stats!.Silos);
        Assert.Equal(Enumerable.Range(0, SiloFixture.Partitions), stats.Partitions.Select(p => p.Partition));
        Assert.All(stats.Partitions, p => Assert.True(p.Lag >= 0 && p.CommittedOffset >= -1));
    }

    [Fact]
    public async Task UnknownApiPathsAreNotFoundWithAReason()
    {
        var problem = await ProblemAsync(await _http.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
        Assert.Contains("GET /api/nothing-here", problem.Detail);
    }

    [Fact]
    public async Task AWrongMethodIsRejectedWithAReason()
    {
        var problem = await ProblemAsync(await _http.PostAsync("/api/stats", null), HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST is not allowed", problem.Detail);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("{\"eventId\":\"x\"}", "must be a JSON array")]
    [InlineData("", "not valid JSON")]
    public async Task MalformedEventBodiesAreRejected(string body, string reason)
    {
        var response = await _http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Malformed body", problem.Title);
        Assert.Contains(reason, problem.Detail);
    }

    [Fact]
    public async Task EachInvalidEventIsNamedWithItsReasonAndNothingIsPublished()
    {
        var track = (await silo.CatalogTracksAsync(1))[0];
        var now = DateTimeOffset.UtcNow;
        var before = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        var body = $$"""
            [
              {"eventId":"ok-1","userId":"validator","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000},
              {"eventId":"no-user","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000},
              {"eventId":"bad-track","userId":"validator","trackId":"nope","ts":"{{now:O}}","msPlayed":1000},
              {"eventId":"negative","userId":"validator","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":-1},
              {"eventId":"future","userId":"validator","trackId":"{{track}}","ts":"{{now.AddDays(2):O}}","msPlayed":1000},
              {"eventId":"bad-ts","userId":"validator","trackId":"{{track}}","ts":"yesterday","msPlayed":1000},
              {"eventId":"huge","userId":"validator","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000,"platform":"{{new string('x', 70_000)}}"},
              42
            ]
            """;

        var problem = await ProblemAsync(await _http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Equal("Invalid events", problem.Title);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], problem.Errors!.Select(e => e.Index));
        Assert.Equal("MissingField: required field 'userId' is missing or empty", problem.Errors![0].Reason);
        Assert.Equal("UnknownTrack: trackId 'nope' is not in the catalog", problem.Errors[1].Reason);
        Assert.Equal("NegativeMsPlayed: msPlayed is -1; it must be >= 0", problem.Errors[2].Reason);
        Assert.StartsWith("FutureTimestamp: ts ", problem.Errors[3].Reason);
        Assert.Equal("bad-ts", problem.Errors[4].EventId);
        Assert.StartsWith("InvalidField: field ts has the wrong type", problem.Errors[4].Reason);
        Assert.StartsWith("TooLarge: value is ", problem.Errors[5].Reason);
        Assert.StartsWith("NotJson: ", problem.Errors[6].Reason);

        var after = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(before!.EventsProcessed, after!.EventsProcessed);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/users/validator")).StatusCode);
    }

    [Theory]
    [InlineData("/api/users/a%0Ab/recommendations", "Invalid userId", "ControlCharacter: field 'userId' contains the control character U+000A")]
    [InlineData("/api/tracks/a%7Fb", "Invalid trackId", "ControlCharacter: field 'trackId' contains the control character U+007F")]
    [InlineData("/api/trending?genre=a%01b", "Invalid genre", "ControlCharacter: field 'genre' contains the control character U+0001")]
    public async Task RouteAndQueryValuesWithControlCharactersAreRejected(string url, string title, string detail)
    {
        var problem = await ProblemAsync(await _http.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.Equal(title, problem.Title);
        Assert.StartsWith(detail, problem.Detail);
    }

    [Fact]
    public async Task ANulInThePathIsRefusedBeforeAnyGrainIsAsked()
    {
        // The server itself refuses a path with an encoded NUL, before routing.
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/users/a%00b")).StatusCode);
    }

    [Theory]
    [InlineData("/api/users/{0}", "Invalid userId", "userId")]
    [InlineData("/api/users/{0}/recommendations", "Invalid userId", "userId")]
    [InlineData("/api/tracks/{0}", "Invalid trackId", "trackId")]
    [InlineData("/api/trending?genre={0}", "Invalid genre", "genre")]
    public async Task RouteAndQueryValuesOver256BytesAreRejected(string template, string title, string field)
    {
        var problem = await ProblemAsync(await _http.GetAsync(string.Format(template, new string('x', 300))), HttpStatusCode.BadRequest);
        Assert.Equal(title, problem.Title);
        Assert.Equal($"StringTooLong: field '{field}' is 300 bytes (UTF-8); the limit is 256", problem.Detail);
    }

    [Fact]
    public async Task HostileStringsInPostedEventsAreRejectedWithTheirReason()
    {
        var track = (await silo.CatalogTracksAsync(1))[0];
        var now = DateTimeOffset.UtcNow;
        var body = $$"""
            [
              {"eventId":"nul","userId":"a\u0000b","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000},
              {"eventId":"{{new string('e', 10_000)}}","userId":"long-id","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000},
              {"eventId":"tab","userId":"u","trackId":"{{track}}","ts":"{{now:O}}","msPlayed":1000,"country":"U\tS"}
            ]
            """;

        var problem = await ProblemAsync(await _http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.True(problem.Errors is not null, problem.Detail);
        Assert.Equal([0, 1, 2], problem.Errors!.Select(e => e.Index));
        Assert.StartsWith("ControlCharacter: field 'userId' contains the control character U+0000", problem.Errors![0].Reason);
        Assert.Equal("StringTooLong: field 'eventId' is 10000 bytes (UTF-8); the limit is 256", problem.Errors[1].Reason);
        Assert.StartsWith("ControlCharacter: field 'country' contains the control character U+0009", problem.Errors[2].Reason);
    }

    [Fact]
    public async Task ValidEventsAreAcceptedWithTheirCount()
    {
        var tracks = await silo.CatalogTracksAsync(2);
        var now = DateTimeOffset.UtcNow;
        var events = tracks.Select((t, i) => new { eventId = $"accept-{i}-{Guid.NewGuid():N}", userId = "acceptor", trackId = t, ts = now.AddMinutes(-i), msPlayed = 120_000 });

        var response = await _http.PostAsJsonAsync("/api/events", events);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<AcceptedDto>())!.Accepted);
    }

    private static async Task<ProblemDto> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDto>();
        Assert.Equal((int)expected, problem!.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), "every 4xx says why");
        return problem;
    }
}
