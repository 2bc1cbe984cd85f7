using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Encore.Silo.Tests;

/// <summary>API keys, rate limits, body and batch limits and Kafka failures, on a silo with keys.</summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class SecuredApiTests(SecuredSiloFixture silo)
{
    public static TheoryData<string, string> ApiRoutes => new()
    {
        { "GET", "/api/stats" },
        { "GET", "/api/users/someone/recommendations" },
        { "GET", "/api/users/someone" },
        { "GET", "/api/trending" },
        { "GET", "/api/models" },
        { "POST", "/api/events" },
        { "POST", "/api/models/train" },
    };

    [Theory]
    [MemberData(nameof(ApiRoutes))]
    public async Task EveryApiRouteWithoutAKeyIs401(string method, string path)
    {
        using var http = silo.CreateClient(apiKey: null);
        var problem = await ProblemAsync(await SendAsync(http, method, path), HttpStatusCode.Unauthorized);
        Assert.Equal("API key required", problem.Title);
        Assert.Equal($"{method} {path} needs an API key (one of Api:Keys or Api:AdminKeys) in the X-API-Key header.", problem.Detail);
    }

    [Theory]
    [InlineData("not-a-key-of-this-silo-at-all")]
    [InlineData(SecuredSiloFixture.Key + "x")]
    [InlineData("ordinary-key-of-the-test")]
    [InlineData("admin-key-of-the-tests-000")]
    public async Task AKeyThatIsNotConfiguredIs401(string key)
    {
        using var http = silo.CreateClient(key);
        var problem = await ProblemAsync(await http.GetAsync("/api/stats"), HttpStatusCode.Unauthorized);
        Assert.Equal("Unknown API key", problem.Title);
        Assert.Equal("The key in the X-API-Key header is not one of Api:Keys or Api:AdminKeys.", problem.Detail);
    }

    [Theory]
    [InlineData(SecuredSiloFixture.Key)]
    [InlineData(SecuredSiloFixture.AdminKey)]
    public async Task AConfiguredKeyIsAnswered(string key)
    {
        using var http = silo.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/stats")).StatusCode);
        var recs = await http.GetFromJsonAsync<RecommendationsDto>("/api/users/keyed-listener/recommendations?count=3");
        Assert.Equal(3, recs!.Items.Length);

        // An empty array is accepted without asking Kafka (which this silo's API cannot reach).
        var posted = await http.PostAsJsonAsync("/api/events", Array.Empty<object>());
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal(0, (await posted.Content.ReadFromJsonAsync<AcceptedDto>())!.Accepted);
    }

    [Fact]
    public async Task AnOrdinaryKeyOnAnAdminRouteIs403()
    {
        using var http = silo.CreateClient(SecuredSiloFixture.Key);
        var problem = await ProblemAsync(await http.PostAsync("/api/models/train", null), HttpStatusCode.Forbidden);
        Assert.Equal("Admin key required", problem.Title);
        Assert.Equal("POST /api/models/train needs an admin key (one of Api:AdminKeys) in the X-API-Key header; key 0 is an ordinary key.", problem.Detail);
    }

    [Fact]
    public async Task AnAdminKeyMayTrain()
    {
        using var http = silo.CreateClient(SecuredSiloFixture.AdminKey);
        var response = await http.PostAsync("/api/models/train", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Matches("^ranker-[0-9]+$", (await response.Content.ReadFromJsonAsync<TrainDto>())!.Version);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthProbesNeedNoKey(string path)
    {
        using var http = silo.CreateClient(apiKey: null);
        var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (await response.Content.ReadFromJsonAsync<HealthDto>())!.Status);
    }

    [Fact]
    public async Task TheWebPageNeedsNoKey()
    {
        using var http = silo.CreateClient(apiKey: null);
        var response = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"api-key\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheDashboardNeedsAnAdminKey()
    {
        using var anonymous = silo.CreateClient(apiKey: null);
        var missing = await ProblemAsync(await anonymous.GetAsync("/dashboard/"), HttpStatusCode.Unauthorized);
        Assert.Equal(
            "The dashboard needs an admin key (Api:AdminKeys): open /dashboard/?key=<admin key> once (the key is kept in a cookie for /dashboard), or send it in the X-API-Key header.",
            missing.Detail);

        using var ordinary = silo.CreateClient(SecuredSiloFixture.Key);
        Assert.Equal("Admin key required", (await ProblemAsync(await ordinary.GetAsync("/dashboard/"), HttpStatusCode.Forbidden)).Title);

        using var admin = silo.CreateClient(SecuredSiloFixture.AdminKey);
        var page = await admin.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ABrowserOpensTheDashboardWithTheKeyInTheAddressOnce()
    {
        using var browser = silo.CreateClient(apiKey: null);
        var redirect = await browser.GetAsync($"/dashboard/?key={SecuredSiloFixture.AdminKey}&tab=grains");

        // The key moves to a cookie the page's script cannot read, sent only to the dashboard, and leaves the address.
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("/dashboard/?tab=grains", redirect.Headers.Location?.OriginalString);
        var cookie = Assert.Single(redirect.Headers.GetValues("Set-Cookie"));
        Assert.Equal($"encore-dashboard-key={SecuredSiloFixture.AdminKey}; path=/dashboard; samesite=strict; httponly", cookie);

        var withCookie = new HttpRequestMessage(HttpMethod.Get, "/dashboard/?tab=grains");
        withCookie.Headers.Add("Cookie", $"encore-dashboard-key={SecuredSiloFixture.AdminKey}");
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(withCookie)).StatusCode);

        // The cookie opens nothing outside the dashboard.
        var api = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        api.Headers.Add("Cookie", $"encore-dashboard-key={SecuredSiloFixture.AdminKey}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task PostingEventsFasterThanTheLimitIs429WithRetryAfterForThatKeyOnly()
    {
        using var limited = silo.CreateClient(SecuredSiloFixture.RateLimitedKey);
        HttpResponseMessage? refused = null;
        var accepted = 0;
        for (var attempt = 0; attempt < 20 * SecuredSiloFixture.EventPostsPerSecond && refused is null; attempt++)
        {
            var response = await limited.PostAsJsonAsync("/api/events", Array.Empty<object>());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted++;
            }
        }

        Assert.NotNull(refused);
        Assert.True(accepted >= SecuredSiloFixture.EventPostsPerSecond, $"only {accepted} posts were accepted before the first 429");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        var problem = await ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal("Too many requests", problem.Title);
        Assert.Equal($"key 1 may POST /api/events {SecuredSiloFixture.EventPostsPerSecond} times per second (Api:EventPostsPerSecond); retry after 1 s.", problem.Detail);

        // Another key has its own allowance.
        using var other = silo.CreateClient(SecuredSiloFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, (await other.PostAsJsonAsync("/api/events", Array.Empty<object>())).StatusCode);
    }

    [Fact]
    public async Task ABodyOverOneMegabyteIs413()
    {
        var body = "[" + string.Join(',', Enumerable.Repeat($"{{\"platform\":\"{new string('x', 1000)}\"}}", 1100)) + "]";
        Assert.True(Encoding.UTF8.GetByteCount(body) > 1_048_576);

        // Expect: 100-continue, as a careful client sends a large body: the silo answers 413 from the
        // Content-Length before asking for the body, and closes the connection. A client already
        // writing the body may get a broken pipe instead of the answer (this test once did).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        var problem = await ProblemAsync(await silo.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("Body too large", problem.Title);
        Assert.Equal("The body is larger than 1048576 bytes (Api:MaxRequestBodyBytes); nothing was published. Send the events in smaller arrays.", problem.Detail);
    }

    [Fact]
    public async Task MoreThanAThousandEventsInOnePostIs400()
    {
        var body = "[" + string.Join(',', Enumerable.Repeat("{}", 1001)) + "]";

        var problem = await ProblemAsync(
            await silo.Http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal("Too many events", problem.Title);
        Assert.Equal("1001 events in one request; the limit is 1000 (Api:MaxEventsPerPost). Nothing was published; send them in smaller arrays.", problem.Detail);
    }

    [Fact]
    public async Task EventsKafkaCannotTakeAre503WithRetryAfterAndTheExactOutcome()
    {
        var tracks = await silo.CatalogTracksAsync(2);
        var now = DateTimeOffset.UtcNow;
        var events = tracks.Select((t, i) => new { eventId = $"unreachable-{i}-{Guid.NewGuid():N}", userId = "stranded", trackId = t, ts = now, msPlayed = 200_000 }).ToArray();

        var response = await silo.Http.PostAsJsonAsync("/api/events", events);

        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var problem = await ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Kafka unavailable", problem.Title);
        Assert.StartsWith("Kafka acknowledged 0 of 2 events (listed in 'produced');", problem.Detail);
        Assert.Empty(problem.Produced!);
        Assert.Equal([0, 1], problem.Failed!.Select(f => f.Index));
        Assert.Equal(events.Select(e => e.eventId), problem.Failed!.Select(f => f.EventId));
        Assert.All(problem.Failed!, f => Assert.Equal("Local_MsgTimedOut: Local: Message timed out", f.Reason));
        Assert.All(problem.Failed!, f => Assert.False(f.PossiblyProduced));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path) =>
        http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("[]", Encoding.UTF8, "application/json") : null,
        });

    private static async Task<ProblemDto> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDto>();
        Assert.Equal((int)expected, problem!.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), "every refusal says why");
        return problem;
    }
}
