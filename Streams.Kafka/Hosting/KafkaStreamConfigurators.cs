using Encore.Streams.Kafka.Providers;
using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Encore.Streams.Kafka.Hosting;

/// <summary>
/// Configures a Kafka stream provider in a silo. The standard persistent-stream methods
/// (ConfigurePullingAgent, ConfigureCacheEviction, ConfigureStreamPubSub, ConfigurePartitioning...) apply.
/// </summary>
public sealed class SiloKafkaStreamConfigurator : SiloRecoverableStreamConfigurator
{
    public SiloKafkaStreamConfigurator(string name, Action<Action<IServiceCollection>> configureServicesDelegate)
        : base(name, configureServicesDelegate, KafkaAdapterFactory.Create)
    {
        ConfigureDelegate(services => KafkaStreamServices.Add(services, name));
        // Messages every cursor has passed leave the cache at once: a subscriber that wants older ones
        // gets them read again from Kafka. ConfigureCacheEviction overrides this.
        this.ConfigureCacheEviction(ob => ob.Configure(options => options.DataMinTimeInCache = TimeSpan.Zero));
        // Partitions spread evenly over the silos; UseConsistentRingQueueBalancer & co. override this.
        this.ConfigurePartitionBalancing(EvenQueueBalancer.Create);
    }

    public SiloKafkaStreamConfigurator ConfigureKafka(Action<OptionsBuilder<KafkaStreamOptions>> configure)
    {
        this.Configure(configure);
        return this;
    }

    /// <summary>
    /// Most messages the cache of one queue holds; at that size the pulling agent stops reading until the
    /// slowest subscription moves on (and the receiver pauses the partition once its read-ahead fills).
    /// </summary>
    public SiloKafkaStreamConfigurator ConfigureCache(int cacheSize)
    {
        this.Configure<SimpleQueueCacheOptions>(ob => ob.Configure(options => options.CacheSize = cacheSize));
        return this;
    }

    /// <summary>Uses <typeparamref name="TAdapter"/> (resolved from DI) to turn Kafka messages into stream events.</summary>
    public SiloKafkaStreamConfigurator UseDataAdapter<TAdapter>() where TAdapter : class, IKafkaDataAdapter
    {
        ConfigureDelegate(services => services.AddKeyedSingleton<IKafkaDataAdapter, TAdapter>(Name));
        return this;
    }
}

/// <summary>Configures a Kafka stream provider in a cluster client that publishes through Orleans.</summary>
public sealed class ClusterClientKafkaStreamConfigurator : ClusterClientPersistentStreamConfigurator
{
    private readonly IClientBuilder _builder;

    public ClusterClientKafkaStreamConfigurator(string name, IClientBuilder builder)
        : base(name, builder, KafkaAdapterFactory.Create)
    {
        _builder = builder;
        builder.ConfigureServices(services => KafkaStreamServices.Add(services, name));
    }

    public ClusterClientKafkaStreamConfigurator ConfigureKafka(Action<OptionsBuilder<KafkaStreamOptions>> configure)
    {
        this.Configure(configure);
        return this;
    }

    public ClusterClientKafkaStreamConfigurator UseDataAdapter<TAdapter>() where TAdapter : class, IKafkaDataAdapter
    {
        _builder.ConfigureServices(services => services.AddKeyedSingleton<IKafkaDataAdapter, TAdapter>(Name));
        return this;
    }
}

internal static class KafkaStreamServices
{
    public static void Add(IServiceCollection services, string name)
    {
        services.AddKeyedSingleton<KafkaStreamStatistics>(name);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaStreamOptions>>(new KafkaStreamOptionsValidator(name)));
        services.AddOptions<KafkaStreamOptions>(name).ValidateOnStart();
    }
}
