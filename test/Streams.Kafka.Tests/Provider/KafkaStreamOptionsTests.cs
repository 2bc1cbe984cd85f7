using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Encore.Streams.Kafka.Tests.Provider;

public sealed class KafkaStreamOptionsTests
{
    private static OptionsValidationException Invalid(Action<KafkaStreamOptions> configure)
    {
        var services = new ServiceCollection();
        new SiloKafkaStreamConfiguratorHost(services).AddKafkaStreams("kafka", configure);
        using var provider = services.BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get("kafka"));
    }

    [Fact]
    public void AMissingBootstrapServerNamesTheSettingToFix()
    {
        var error = Invalid(_ => { });

        Assert.Equal(
            "Kafka stream provider 'kafka': BootstrapServers is empty; set Kafka__BootstrapServers (host:port,...) or, in the Encore silo, leave it empty for the embedded cluster.",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void EveryBadSettingIsReportedAtOnce()
    {
        var error = Invalid(o =>
        {
            o.BootstrapServers = "localhost:9092";
            o.Topic = "";
            o.Partitions = 0;
            o.CheckpointInterval = TimeSpan.Zero;
        });

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("Topic is empty; set Kafka__Topic."));
        Assert.Contains(error.Failures, f => f.Contains("Partitions is 0; set Kafka__Partitions to 1 or more."));
        Assert.Contains(error.Failures, f => f.Contains("CheckpointInterval must be positive."));
    }

    /// <summary>Just enough of an <see cref="ISiloBuilder"/> to run the registration against a service collection.</summary>
    private sealed class SiloKafkaStreamConfiguratorHost(IServiceCollection services) : ISiloBuilder
    {
        public IServiceCollection Services { get; } = services;

        public Microsoft.Extensions.Configuration.IConfiguration Configuration { get; } =
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
    }
}
