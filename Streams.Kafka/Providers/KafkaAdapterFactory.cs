using Encore.Streams.Kafka.Statistics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Streams;

namespace Encore.Streams.Kafka.Providers;

/// <summary>Builds the pieces of one Kafka stream provider; Orleans asks for it by provider name.</summary>
public sealed class KafkaAdapterFactory : IQueueAdapterFactory, IDisposable
{
    private readonly KafkaProviderContext _context;
    private readonly KafkaQueueMapper _mapper;
    private readonly KafkaQueueAdapterCache _cache;

    private KafkaAdapterFactory(KafkaProviderContext context, SimpleQueueCacheOptions cacheOptions, StreamPullingAgentOptions agent, StreamCacheEvictionOptions eviction)
    {
        _context = context;
        var partitions = context.EnsureTopics();
        _mapper = new KafkaQueueMapper(context.ProviderName, partitions,
            context.Options.StreamKeyMode == StreamKeyMode.PerPartition ? context.Options.StreamNamespace : null);
        _cache = new KafkaQueueAdapterCache(cacheOptions.CacheSize, Math.Max(1, agent.BatchContainerBatchSize), eviction, TimeProvider.System);
    }

    /// <summary>The topic the provider reads, after placeholders were resolved.</summary>
    public string Topic => _context.Topic;

    public string DeadLetterTopic => _context.DeadLetterTopic;

    public static KafkaAdapterFactory Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name);
        var cluster = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        var dataAdapter = services.GetKeyedService<IKafkaDataAdapter>(name)
            ?? new OrleansPayloadDataAdapter(services.GetRequiredService<Serializer<OrleansPayloadDataAdapter.Payload>>());
        var context = new KafkaProviderContext(
            name, options, cluster.ServiceId, cluster.ClusterId, dataAdapter,
            services.GetRequiredKeyedService<KafkaStreamStatistics>(name),
            services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<ILoggerFactory>());
        return new KafkaAdapterFactory(context, services.GetOptionsByName<SimpleQueueCacheOptions>(name),
            services.GetOptionsByName<StreamPullingAgentOptions>(name), services.GetOptionsByName<StreamCacheEvictionOptions>(name));
    }

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(new KafkaAdapter(_context, _mapper, _cache));

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());

    public void Dispose() => _context.Dispose();
}
