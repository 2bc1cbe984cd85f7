using Confluent.Kafka;
using Encore.Silo.Hosting;
using Encore.Streams.Kafka.DevCluster;

namespace Encore.Silo.Kafka;

internal static class EmbeddedKafka
{
    /// <summary>
    /// With no <c>Kafka:BootstrapServers</c>, starts librdkafka's in-process mock cluster with the topics
    /// and points the configuration at it, so everything downstream is configured as for a real Kafka.
    /// </summary>
    public static WebApplicationBuilder AddEmbeddedKafkaWhenUnset(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(KafkaSettings.SectionName);
        if (!string.IsNullOrWhiteSpace(section[nameof(KafkaSettings.BootstrapServers)]))
        {
            return builder;
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Postgres")))
        {
            // A PostgreSQL cluster is many silos: each would run its own in-process Kafka and read only it.
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is set but Kafka:BootstrapServers is empty. Silos that share PostgreSQL must share one Kafka: " +
                "set Kafka__BootstrapServers (locally, start one with 'dotnet run --project Client -- kafka-dev --bootstrap-file bootstrap.txt').");
        }

        var settings = EarlySettings.Validated(section.Get<KafkaSettings>() ?? new(), KafkaSettings.SectionName);
        var cluster = DevKafkaCluster.Start(brokers: 1);
        foreach (var topic in new[] { settings.Topic, settings.DeadLetterTopic })
        {
            try
            {
                cluster.CreateTopic(topic, settings.Partitions);
            }
            catch (KafkaException e) when (e.Error.Code == Confluent.Kafka.ErrorCode.TopicAlreadyExists)
            {
            }
        }

        builder.Services.AddSingleton(cluster);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{KafkaSettings.SectionName}:{nameof(KafkaSettings.BootstrapServers)}"] = cluster.BootstrapServers,
            [$"{KafkaSettings.SectionName}:{nameof(KafkaSettings.Embedded)}"] = "true",
        });
        return builder;
    }
}
