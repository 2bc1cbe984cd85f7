using Encore.Streams.Kafka;
using Encore.Streams.Kafka.Hosting;

namespace Orleans.Hosting;

/// <summary>Registers Kafka stream providers.</summary>
public static class KafkaStreamsBuilderExtensions
{
    /// <summary>Adds a Kafka stream provider named <paramref name="name"/> to the silo.</summary>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<KafkaStreamOptions> configureOptions) =>
        builder.AddKafkaStreams(name, c => c.ConfigureKafka(ob => ob.Configure(configureOptions)));

    /// <inheritdoc cref="AddKafkaStreams(ISiloBuilder, string, Action{KafkaStreamOptions})"/>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<SiloKafkaStreamConfigurator> configure)
    {
        var configurator = new SiloKafkaStreamConfigurator(name, services => builder.ConfigureServices(services));
        configure(configurator);
        return builder;
    }

    /// <summary>Adds a Kafka stream provider named <paramref name="name"/> to a cluster client.</summary>
    public static IClientBuilder AddKafkaStreams(this IClientBuilder builder, string name, Action<KafkaStreamOptions> configureOptions) =>
        builder.AddKafkaStreams(name, c => c.ConfigureKafka(ob => ob.Configure(configureOptions)));

    /// <inheritdoc cref="AddKafkaStreams(IClientBuilder, string, Action{KafkaStreamOptions})"/>
    public static IClientBuilder AddKafkaStreams(this IClientBuilder builder, string name, Action<ClusterClientKafkaStreamConfigurator> configure)
    {
        var configurator = new ClusterClientKafkaStreamConfigurator(name, builder);
        configure(configurator);
        return builder;
    }
}
