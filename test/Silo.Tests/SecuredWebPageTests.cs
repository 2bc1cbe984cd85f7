using Microsoft.Playwright;

namespace Encore.Silo.Tests;

/// <summary>The web page on a silo with API keys, in Debian's headless Chromium: it asks for a key, keeps it, and sends it.</summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class SecuredWebPageTests(SecuredSiloFixture silo)
{
    [ChromiumFact]
    public async Task ThePageAsksForTheKeyThenShowsRecommendationsWithIt()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ChromiumFactAttribute.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var user = $"keyed-web-{Guid.NewGuid():N}"[..16];

        await page.GotoAsync(new Uri(silo.BaseAddress, $"/?user={user}").ToString());
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("needs an API key");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Enter the API key above.");
        await Assertions.Expect(page.Locator("#recommendations tbody tr")).ToHaveCountAsync(0);

        await page.Locator("#api-key").FillAsync(SecuredSiloFixture.Key);
        await page.Locator("#key-form button").ClickAsync();
        await Assertions.Expect(page.Locator("#recommendations tbody tr")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#rec-user")).ToHaveTextAsync(user);

        // The key stays in this browser: a reload needs no typing.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#api-key")).ToHaveValueAsync(SecuredSiloFixture.Key);
        await Assertions.Expect(page.Locator("#recommendations tbody tr")).ToHaveCountAsync(10);
    }

    [ChromiumFact]
    public async Task TheDashboardOpensWithTheAdminKeyInItsAddressOnce()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ChromiumFactAttribute.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var refused = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status is 401 or 403)
            {
                refused.Add(response.Url);
            }
        };

        // The dashboard's own script then reads the cluster's counters with the cookie the key became.
        var counters = await page.RunAndWaitForResponseAsync(
            () => page.GotoAsync(new Uri(silo.BaseAddress, $"/dashboard/?key={SecuredSiloFixture.AdminKey}").ToString()),
            response => response.Url.Contains("/dashboard/DashboardCounters", StringComparison.Ordinal));

        Assert.Equal(200, counters.Status);
        Assert.Equal(new Uri(silo.BaseAddress, "/dashboard/").ToString(), page.Url);
        Assert.Empty(refused);
    }
}
