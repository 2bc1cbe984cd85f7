using Encore.Catalog;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Silo.Kafka;
using Encore.Similarity;
using Orleans.Dashboard;

namespace Encore.Silo.Hosting;

internal static class OrleansHosting
{
    /// <summary>
    /// The silo: clustering and storage (localhost and memory, or PostgreSQL; see
    /// <see cref="PostgresHosting"/>), the Kafka partition streams (on the embedded dev cluster when no
    /// Kafka is configured), the feature grains' services and the dashboard.
    /// </summary>
    public static WebApplicationBuilder AddEncoreSilo(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OrleansSettings>().BindConfiguration(OrleansSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddEmbeddedKafkaWhenUnset();
        services.AddOptions<KafkaSettings>().BindConfiguration(KafkaSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FeatureStateOptions>().BindConfiguration(FeatureStateOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RankerOptions>().BindConfiguration(RankerOptions.SectionName).ValidateOnStart();
        services.AddOptions<SimilarityOptions>().BindConfiguration(SimilarityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Read here because clustering and queue count shape the silo itself; validated again on start.
        var orleans = builder.Configuration.GetSection(OrleansSettings.SectionName).Get<OrleansSettings>() ?? new();
        var kafka = builder.Configuration.GetSection(KafkaSettings.SectionName).Get<KafkaSettings>() ?? new();

        // Failure detection (probe timeouts, votes to declare a silo dead) is tunable: Orleans:Membership:*.
        services.AddOptions<Orleans.Configuration.ClusterMembershipOptions>().BindConfiguration("Orleans:Membership");

        builder.UseOrleans(silo =>
        {
            silo.UseEncoreClusteringAndStorage(builder.Configuration, orleans);
            silo.AddEncoreStreams(kafka);
            silo.AddEncoreFeatures();
            // The dashboard's own counters refresh every 5 s instead of every second. Its reader of Orleans'
            // meters still collects every second, and two of those gauges walk every activation or its
            // cached address: 5-6 % of a silo's CPU at 100 000 listeners, out of reach of any public
            // setting (docs/performance.md).
            silo.AddDashboard(dashboard => dashboard.CounterUpdateIntervalMs = 5_000);

            // Grain calls carry the caller's trace context and make spans of their own, when the silo
            // makes spans at all: the filters this installs cost every grain call, listened to or not.
            if (TelemetryHosting.MakesSpans(builder.Configuration))
            {
                silo.AddActivityPropagation();
            }
        });
        return builder;
    }
}
