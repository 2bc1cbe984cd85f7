using System.Net;
using System.Net.Http.Json;

namespace Encore.Silo.Tests;

/// <summary>Events in through the API, out as exact counts, on memory streams.</summary>
[Collection(SiloCollection.Name)]
public sealed class EndToEndTests(SiloFixture silo)
{
    private readonly HttpClient _http = silo.Http;

    [Fact]
    public async Task PostedPlaysAndResendsEndUpAsExactCounts()
    {
        var tracks = await silo.CatalogTracksAsync(3);
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var expected = new Dictionary<string, int> { [tracks[0]] = 7, [tracks[1]] = 4, [tracks[2]] = 1 };
        var events = expected
            .SelectMany(e => Enumerable.Range(0, e.Value).Select(i => new { Track = e.Key, Index = i }))
            .Select((p, n) => new Event($"{run}-{n}", $"e2e-{run}-{n % 5}", p.Track, now.AddMinutes(-30 + n), 150_000))
            .ToArray();
        var resent = events.Where((_, n) => n % 4 == 0).ToArray();
        var tracksBefore = await Task.WhenAll(tracks.Select(t => _http.GetFromJsonAsync<TrackDto>($"/api/tracks/{t}")));
        var before = await _http.GetFromJsonAsync<StatsDto>("/api/stats");

        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/api/events", events[..6])).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/api/events", events[6..])).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/api/events", resent)).StatusCode);

        var total = events.Length + resent.Length;
        await Eventually.TrueAsync(
            async () => (await _http.GetFromJsonAsync<StatsDto>("/api/stats"))!.EventsProcessed - before!.EventsProcessed >= total,
            $"{total} more events processed");

        var after = await _http.GetFromJsonAsync<StatsDto>("/api/stats");
        Assert.Equal(total, after!.EventsProcessed - before!.EventsProcessed);
        Assert.Equal(resent.Length, after.DuplicatesDropped - before.DuplicatesDropped);
        for (var i = 0; i < tracks.Length; i++)
        {
            var track = await _http.GetFromJsonAsync<TrackDto>($"/api/tracks/{tracks[i]}");
            Assert.Equal(expected[tracks[i]], track!.Plays - tracksBefore[i]!.Plays);
            Assert.Equal(expected[tracks[i]], track.Plays1h - tracksBefore[i]!.Plays1h);
        }

        var user = await _http.GetFromJsonAsync<UserDto>($"/api/users/e2e-{run}-0");
        Assert.Equal(events.Count(e => e.UserId == $"e2e-{run}-0"), user!.Plays);
        Assert.Equal(resent.Count(e => e.UserId == $"e2e-{run}-0"), user.DuplicatesDropped);
    }

    [Fact]
    public async Task APlayShowsInTheListenersProfileAndLeavesTheirRecommendations()
    {
        var recs = await _http.GetFromJsonAsync<RecommendationsDto>("/api/users/fresh-ears/recommendations?count=5");
        var played = recs!.Items[0].TrackId;

        await _http.PostAsJsonAsync("/api/events", new[] { new Event(Guid.NewGuid().ToString("N"), "fresh-ears", played, DateTimeOffset.UtcNow, 200_000) });

        await Eventually.TrueAsync(async () => (await _http.GetAsync("/api/users/fresh-ears")).StatusCode == HttpStatusCode.OK, "the profile exists");
        var user = await _http.GetFromJsonAsync<UserDto>("/api/users/fresh-ears");
        Assert.Equal(1, user!.Plays);
        Assert.Equal(played, user.RecentTracks[0].TrackId);
        var after = await _http.GetFromJsonAsync<RecommendationsDto>("/api/users/fresh-ears/recommendations?count=20");
        Assert.DoesNotContain(after!.Items, i => i.TrackId == played);
    }

    private sealed record Event(string EventId, string UserId, string TrackId, DateTimeOffset Ts, long MsPlayed);
}
