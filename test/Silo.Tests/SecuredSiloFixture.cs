using Encore.Silo.Api;
using Encore.Silo.Events;
using Encore.Silo.Kafka;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Tests;

/// <summary>
/// A second real silo, with API keys and a low rate limit. Its API publishes through the real Kafka
/// publisher pointed at a closed port, as when the brokers are down, so that a POST with events
/// answers 503; the pipeline itself runs on the embedded cluster as in <see cref="SiloFixture"/>. It
/// makes no spans, as a silo without an OTLP endpoint.
/// </summary>
public sealed class SecuredSiloFixture() : SiloFixture(urls: "http://127.0.0.1:0", apiKey: Key, configure: web => web
    .UseSetting("Api:Keys:0", Key)
    .UseSetting("Api:Keys:1", RateLimitedKey)
    .UseSetting("Api:AdminKeys:0", AdminKey)
    .UseSetting("Api:EventPostsPerSecond", EventPostsPerSecond.ToString())
    .UseSetting("Api:PublishTimeout", "00:00:01")
    .UseSetting("Telemetry:Spans", "false")
    .ConfigureTestServices(services => services.AddSingleton<IEventPublisher>(provider => new KafkaEventPublisher(
        Options.Create(new KafkaSettings { BootstrapServers = $"127.0.0.1:{FreePort()}" }),
        provider.GetRequiredService<IOptions<ApiSettings>>()))))
{
    public const string Key = "ordinary-key-of-the-tests";
    public const string RateLimitedKey = "ordinary-key-the-rate-test-spends";
    public const string AdminKey = "admin-key-of-the-tests-0001";
    public const int EventPostsPerSecond = 10;
}

[CollectionDefinition(Name)]
public sealed class SecuredSiloCollection : ICollectionFixture<SecuredSiloFixture>
{
    public const string Name = "secured silo";
}
