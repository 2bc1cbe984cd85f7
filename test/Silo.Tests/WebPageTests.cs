using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Encore.Silo.Tests;

/// <summary>The web page in a real headless Chromium (Debian's, driven by Playwright; nothing downloaded).</summary>
[Collection(SiloCollection.Name)]
public sealed class WebPageTests(SiloFixture silo)
{
    [ChromiumFact]
    public async Task ThePageShowsRecommendationsAndUpdatesWhenTheListenerPlays()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
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
        await Assertions.Expect(page.Locator("#trending li").First).ToBeVisibleAsync();

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "web-page.png"), FullPage = true });
    }
}

/// <summary>A fact that needs Debian's Chromium (<c>apt-get install chromium</c>); skipped with that reason without it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
        {
            Skip = $"No browser at {Chromium}: apt-get install chromium";
        }
    }
}
