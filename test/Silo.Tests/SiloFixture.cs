using System.Net;
using System.Net.Http.Json;
using Encore.Silo.Kafka;
using Encore.Streams.Kafka.DevCluster;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Tests;

/// <summary>
/// The real silo, API and web page, hosted once for the collection on Kestrel with free ports (so a
/// browser can reach it and it never clashes with a silo already running here), the embedded dev
/// Kafka cluster and the synthetic catalog, with demo traffic off so that counts are exact. It has
/// no API key, as the embedded default, and is asked to listen on every interface, which it must
/// narrow to localhost.
/// </summary>
public class SiloFixture : IAsyncLifetime
{
    public const int Partitions = 4;

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string? _apiKey;

    public SiloFixture()
        : this(urls: "http://0.0.0.0:0", apiKey: null, _ => { })
    {
    }

    /// <param name="urls">Where the silo is asked to listen.</param>
    /// <param name="apiKey">The key <see cref="Http"/> sends.</param>
    /// <param name="configure">More settings or services on top of the ones every test silo has.</param>
    protected SiloFixture(string urls, string? apiKey, Action<IWebHostBuilder> configure)
    {
        _apiKey = apiKey;
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Urls", urls)
                .UseSetting("Orleans:SiloPort", siloPort.ToString())
                .UseSetting("Orleans:GatewayPort", gatewayPort.ToString())
                .UseSetting("Orleans:ClusterId", $"silo-tests-{siloPort}")
                .UseSetting("Kafka:Partitions", Partitions.ToString())
                .UseSetting("Catalog:Path", "")
                .UseSetting("Demo:EventsPerSecond", "0")
                // TracingTests listen to the silo's spans in this process, with no OTLP endpoint.
                .UseSetting("Telemetry:Spans", "true")
                .UseSetting("Logging:LogLevel:Default", "Warning");
            configure(web);
        });
        _factory.UseKestrel();
    }

    /// <summary>A client of the silo (with the fixture's API key, if it has one) that follows redirects.</summary>
    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress => Http.BaseAddress!;

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>The addresses Kestrel listens on.</summary>
    public ICollection<string> ListeningAddresses =>
        Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    /// <summary>A client of the silo that sends <paramref name="apiKey"/> in X-API-Key (none when null), and neither follows redirects nor keeps cookies.</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        return client;
    }

    /// <summary>The embedded dev Kafka cluster the silo started, for tests that produce and consume directly.</summary>
    public string KafkaBootstrapServers =>
        _factory.Services.GetRequiredService<IOptions<KafkaSettings>>().Value.BootstrapServers;

    public async Task InitializeAsync()
    {
        _factory.StartServer();
        Http = _factory.CreateClient();
        if (_apiKey is not null)
        {
            Http.DefaultRequestHeaders.Add("X-API-Key", _apiKey);
        }

        await Eventually.TrueAsync(
            async () => (await Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the silo is ready (catalog loaded, index built)",
            TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }

    /// <summary>The embedded dev Kafka cluster itself, for tests that take its broker down.</summary>
    public DevKafkaCluster Kafka => _factory.Services.GetRequiredService<DevKafkaCluster>();

    /// <summary>Some catalog track ids, read from the API the way a client would.</summary>
    public async Task<string[]> CatalogTracksAsync(int count)
    {
        var recs = await Http.GetFromJsonAsync<RecommendationsDto>($"/api/users/catalog-probe/recommendations?count={count}");
        return [.. recs!.Items.Select(i => i.TrackId)];
    }

    protected static int FreePort() => FreePorts.Next();
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
