using Confluent.Kafka;
using Encore.Silo.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Hosting;

/// <summary>
/// Ready while Kafka answers a metadata request for the listening-event topic within
/// <see cref="Timeout"/>: without it, nothing new is consumed and <c>POST /api/events</c> fails.
/// </summary>
internal sealed class KafkaReadinessCheck(IOptions<KafkaSettings> settings) : IHealthCheck, IDisposable
{
    /// <summary>Short enough that the whole readiness answer fits in a probe's 3 s.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = settings.Value.BootstrapServers,
        SocketTimeoutMs = (int)Timeout.TotalMilliseconds,
        // Its own connection failures are what the answer reports; librdkafka's log would repeat them.
        LogConnectionClose = false,
    }).SetLogHandler((_, _) => { }).Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var topic = settings.Value.Topic;
        try
        {
            // The admin client's calls block; a thread-pool thread waits at most Timeout. All topics:
            // asking for one by name may have a broker that auto-creates topics create it.
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(Timeout), cancellationToken);
            var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
            if (found is null || found.Error.IsError || found.Partitions.Count == 0)
            {
                return HealthCheckResult.Unhealthy($"Kafka at {settings.Value.BootstrapServers} answered, but topic '{topic}' is not there: {found?.Error.Reason ?? "not in the metadata"}.");
            }

            return HealthCheckResult.Healthy($"Kafka at {settings.Value.BootstrapServers}: topic '{topic}' has {found.Partitions.Count} partitions on {metadata.Brokers.Count} brokers.");
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy($"Kafka at {settings.Value.BootstrapServers} did not answer a metadata request within {Timeout.TotalSeconds} s: {e.Error.Reason}.");
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
