using Encore.Silo.Hosting;
using Microsoft.Extensions.Configuration;

namespace Encore.Silo.Tests;

/// <summary>Where the silo listens: appsettings.json's Urls is the default, ASPNETCORE_URLS and --urls override it.</summary>
public sealed class UrlsConfigurationTests
{
    private static string? Urls(string[] args, string? environmentUrls)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Urls", "http://0.0.0.0:8080")]);
        configuration.PreferUrlsFromEnvironmentAndCommandLine(args, new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = environmentUrls });
        return configuration["urls"];
    }

    [Fact]
    public void AppSettingsIsTheDefault() =>
        Assert.Equal("http://0.0.0.0:8080", Urls([], null));

    [Fact]
    public void AspNetCoreUrlsOverridesAppSettings() =>
        Assert.Equal("http://127.0.0.1:9001", Urls([], "http://127.0.0.1:9001"));

    [Fact]
    public void TheCommandLineOverridesBoth() =>
        Assert.Equal("http://127.0.0.1:9002", Urls(["--urls", "http://127.0.0.1:9002"], "http://127.0.0.1:9001"));
}
