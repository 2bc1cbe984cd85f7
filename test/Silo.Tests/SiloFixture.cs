using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Encore.Silo.Kafka;
using Encore.Streams.Kafka.DevCluster;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Tests;

/// <summary>
/// The real silo, API and web page, hosted once for the collection on Kestrel with free ports (so a
/// browser can reach it and it never clashes with a silo already running here), the embedded dev
/// Kafka cluster and the synthetic catalog, with demo traffic off so that counts are exact.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public const int Partitions = 4;

    private readonly WebApplicationFactory<Program> _factory;

    public SiloFixture()
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("Urls", "http://127.0.0.1:0")
            .UseSetting("Orleans:SiloPort", siloPort.ToString())
            .UseSetting("Orleans:GatewayPort", gatewayPort.ToString())
            .UseSetting("Orleans:ClusterId", $"silo-tests-{siloPort}")
            .UseSetting("Kafka:Partitions", Partitions.ToString())
            .UseSetting("Catalog:Path", "")
            .UseSetting("Demo:EventsPerSecond", "0")
            .UseSetting("Logging:LogLevel:Default", "Warning"));
        _factory.UseKestrel();
    }

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress => Http.BaseAddress!;

    /// <summary>The embedded dev Kafka cluster the silo started, for tests that produce and consume directly.</summary>
    public string KafkaBootstrapServers =>
        _factory.Services.GetRequiredService<IOptions<KafkaSettings>>().Value.BootstrapServers;

    public async Task InitializeAsync()
    {
        _factory.StartServer();
        Http = _factory.CreateClient();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
