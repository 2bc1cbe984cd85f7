using Encore.Silo.Hosting;
using Microsoft.Extensions.Configuration;

namespace Encore.Silo.Tests;

/// <summary>
/// Where a silo without API keys listens: appsettings.json's every-interface URL is narrowed to
/// localhost, unless the operator both sets the URLs explicitly and sets Api:AllowAnonymous.
/// </summary>
public sealed class KeylessBindingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keyless-binding-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheEmbeddedDefaultListensOnLocalhostAndSaysSo()
    {
        var configuration = Configuration();

        var notice = configuration.RestrictToLocalhostWithoutKeys();

        Assert.Equal("http://localhost:8080", configuration["urls"]);
        Assert.Equal(
            "No API key is configured: the API and the dashboard are unauthenticated, so the silo listens on localhost only (http://localhost:8080); " +
            "set Api__Keys__0 (and Api__AdminKeys__0) to listen on other interfaces.",
            notice);
    }

    [Theory]
    [InlineData("Api:Keys:0")]
    [InlineData("Api:AdminKeys:0")]
    public void WithAKeyTheConfiguredUrlsStand(string key)
    {
        var configuration = Configuration(new() { [key] = "a-key-long-enough-to-use" });

        Assert.Null(configuration.RestrictToLocalhostWithoutKeys());
        Assert.Equal("http://0.0.0.0:8080", configuration["urls"]);
    }

    [Fact]
    public void AnExplicitUrlWithoutKeysIsNarrowedToo()
    {
        var configuration = Configuration(new() { ["urls"] = "http://0.0.0.0:9000;http://*:9001" });

        configuration.RestrictToLocalhostWithoutKeys();

        Assert.Equal("http://localhost:9000;http://localhost:9001", configuration["urls"]);
    }

    [Fact]
    public void AllowAnonymousAloneKeepsLocalhost()
    {
        var configuration = Configuration(new() { ["Api:AllowAnonymous"] = "true" });

        var notice = configuration.RestrictToLocalhostWithoutKeys();

        Assert.Equal("http://localhost:8080", configuration["urls"]);
        Assert.Contains("Api:AllowAnonymous is set but the URLs are appsettings.json's defaults", notice);
    }

    [Fact]
    public void AllowAnonymousWithExplicitUrlsListensThereAndWarns()
    {
        var configuration = Configuration(new() { ["Api:AllowAnonymous"] = "true", ["urls"] = "http://0.0.0.0:9000" });

        var notice = configuration.RestrictToLocalhostWithoutKeys();

        Assert.Equal("http://0.0.0.0:9000", configuration["urls"]);
        Assert.Equal(
            "No API key is configured (Api:Keys, Api:AdminKeys) and Api:AllowAnonymous is set: anyone who reaches http://0.0.0.0:9000 may use the API and the dashboard.",
            notice);
    }

    [Fact]
    public void KestrelEndpointsWithoutKeysStopTheSilo()
    {
        var configuration = Configuration(new() { ["Kestrel:Endpoints:Http:Url"] = "http://0.0.0.0:9000" });

        var error = Assert.Throws<InvalidOperationException>(() => configuration.RestrictToLocalhostWithoutKeys());
        Assert.Contains("Kestrel:Endpoints", error.Message);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", "http://localhost:8080")]
    [InlineData("http://[::]:8080", "http://localhost:8080")]
    [InlineData("https://+:8443", "https://localhost:8443")]
    [InlineData("http://10.1.2.3:8080", "http://localhost:8080")]
    [InlineData("http://0.0.0.0:0", "http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("http://localhost:8080", "http://localhost:8080")]
    [InlineData("http://unix:/run/encore.sock", "http://unix:/run/encore.sock")]
    public void EachUrlMovesToTheLoopbackInterface(string url, string expected) =>
        Assert.Equal(expected, KeylessBinding.ToLoopback(url));

    /// <summary>appsettings.json's URL, as the silo ships it, under whatever else is given explicitly.</summary>
    private ConfigurationManager Configuration(Dictionary<string, string?>? explicitSettings = null)
    {
        var appSettings = Path.Combine(_folder, "appsettings.json");
        File.WriteAllText(appSettings, """{ "Urls": "http://0.0.0.0:8080", "Api": { "Keys": [], "AdminKeys": [] } }""");
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(appSettings);
        configuration.AddInMemoryCollection(explicitSettings ?? []);
        return configuration;
    }
}
