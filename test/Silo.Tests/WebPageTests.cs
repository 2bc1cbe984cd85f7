using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Encore.Silo.Tests;

/// <summary>The web page in a real headless Chromium (Debian's, driven by Playwright; nothing downloaded).</summary>
[Collection(SiloCollection.Name)]
public sealed class WebPageTests(SiloFixture silo)
{
    [ChromiumFact]
    public async Task ThePageShowsRecommendationsAndUpdatesWhenTheListenerPlays()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ChromiumFactAttribute.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var user = $"web-{Guid.NewGuid():N}"[..12];

        await page.GotoAsync(new Uri(silo.BaseAddress, $"/?user={user}").ToString());
        var rows = page.Locator("#recommendations tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#rec-user")).ToHaveTextAsync(user);

        // A play posted through the API appears in the page's recent plays without a reload.
        var track = await rows.First.GetAttributeAsync("data-track-id");
        var response = await silo.Http.PostAsJsonAsync("/api/events", new[]
        {
            new { eventId = Guid.NewGuid().ToString("N"), userId = user, trackId = track, ts = DateTimeOffset.UtcNow, msPlayed = 190_000 },
        });
        response.EnsureSuccessStatusCode();
        await Assertions.Expect(page.Locator($"#recent li[data-track-id='{track}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"#recommendations tbody tr[data-track-id='{track}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#profile-plays")).ToHaveTextAsync("1");

        // So does one played from the page itself.
        var next = await rows.First.GetAttributeAsync("data-track-id");
        await rows.First.Locator("button.play").ClickAsync();
        await Assertions.Expect(page.Locator($"#recent li[data-track-id='{next}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#profile-plays")).ToHaveTextAsync("2");
        // Trending follows within a flush of the partition grains (Pipeline:TrendingFlushInterval) and a refresh of the page.
        await Assertions.Expect(page.Locator("#trending li").First).ToBeVisibleAsync(new() { Timeout = 20_000 });

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "web-page.png"), FullPage = true });
    }
}

/// <summary>The page's charts, drawn as SVG by its own script, in a real headless Chromium.</summary>
[Collection(SiloCollection.Name)]
public sealed class WebPageChartTests(SiloFixture silo, ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task ThePipelineChartsAndTheListenersTasteAreDrawnFromTheApi()
    {
        // A listener with a taste: plays of tracks whose genres and artists the profile ranks.
        var user = $"charts-{Guid.NewGuid():N}"[..15];
        var tracks = await silo.CatalogTracksAsync(6);
        var plays = tracks.Select((track, i) => new
        {
            eventId = $"{user}-{i}", userId = user, trackId = track, ts = DateTimeOffset.UtcNow.AddMinutes(-10 + i), msPlayed = 200_000,
        });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await silo.Http.PostAsJsonAsync("/api/events", plays)).StatusCode);
        await Eventually.TrueAsync(
            async () => (await silo.Http.GetAsync($"/api/users/{user}")).IsSuccessStatusCode
                && (await silo.Http.GetFromJsonAsync<UserTasteDto>($"/api/users/{user}"))!.Plays == tracks.Length,
            "the listener's plays are processed");
        var profile = await silo.Http.GetFromJsonAsync<UserTasteDto>($"/api/users/{user}");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ChromiumFactAttribute.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        await page.GotoAsync(new Uri(silo.BaseAddress, $"/?user={user}").ToString());

        // The taste: a bar per top genre and artist, in the profile's order.
        var genreBars = page.Locator("#chart-genres rect.bar");
        await Assertions.Expect(genreBars).ToHaveCountAsync(Math.Min(8, profile!.TopGenres.Length));
        Assert.Equal(profile.TopGenres.Take(8).Select(g => g.Name), await AttributesAsync(genreBars, "data-name"));
        Assert.Equal(profile.TopArtists.Take(8).Select(a => a.Name), await AttributesAsync(page.Locator("#chart-artists rect.bar"), "data-name"));
        Assert.True(profile.TopGenres.Length > 0 && profile.TopArtists.Length > 0);

        // The pipeline: a line each, once the page has polled twice; one lag line per partition.
        var options = new LocatorAssertionsToHaveAttributeOptions { Timeout = 20_000 };
        await Assertions.Expect(page.Locator("#chart-events polyline[data-series='events/s']")).ToHaveAttributeAsync("data-points", new Regex("^([2-9]|[1-9][0-9]+)$"), options);
        await Assertions.Expect(page.Locator("#chart-latency polyline[data-series='p99']")).ToHaveAttributeAsync("data-points", new Regex("^([2-9]|[1-9][0-9]+)$"), options);
        var lagLines = page.Locator("#chart-lag polyline");
        await Assertions.Expect(lagLines).ToHaveCountAsync(SiloFixture.Partitions);
        Assert.Equal(Enumerable.Range(0, SiloFixture.Partitions).Select(p => $"p{p}"), await AttributesAsync(lagLines, "data-series"));
        foreach (var line in await page.Locator(".charts polyline").AllAsync())
        {
            var points = (await line.GetAttributeAsync("points"))!.Split(' ');
            Assert.Equal(int.Parse(await line.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture), points.Length);
            Assert.All(points, p => Assert.Matches(@"^\d+(\.\d)?,\d+(\.\d)?$", p));
        }

        var screenshots = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        var file = Path.Combine(screenshots, "web-page-charts.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        await page.Locator("#pipeline").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(screenshots, "pipeline-charts.png") });
        output.WriteLine($"screenshot: {file}");
        Console.WriteLine($"screenshot: {file}");
    }

    private static async Task<string[]> AttributesAsync(ILocator locator, string name) =>
        [.. await Task.WhenAll((await locator.AllAsync()).Select(async l => (await l.GetAttributeAsync(name))!))];
}

/// <summary>A fact that needs Debian's Chromium (<c>apt-get install chromium</c>); skipped with that reason without it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>That Chromium, headless, without the background work a test has no use for.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
        {
            Skip = $"No browser at {Chromium}: apt-get install chromium";
        }
    }
}
