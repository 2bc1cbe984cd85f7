using Encore.Catalog;
using Encore.Pipeline;
using Orleans.Dashboard;

namespace Encore.Silo.Hosting;

internal static class OrleansHosting
{
    /// <summary>
    /// The silo: clustering and storage (localhost and memory, or PostgreSQL; see
    /// <see cref="PostgresHosting"/>), the partition streams, the feature grains' services and the dashboard.
    /// </summary>
    public static WebApplicationBuilder AddEncoreSilo(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OrleansSettings>().BindConfiguration(OrleansSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PartitionSettings>().BindConfiguration(PartitionSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.SectionName);
        services.AddOptions<FeatureStateOptions>().BindConfiguration(FeatureStateOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Read here because clustering and queue count shape the silo itself; validated again on start.
        var orleans = builder.Configuration.GetSection(OrleansSettings.SectionName).Get<OrleansSettings>() ?? new();
        var partitions = builder.Configuration.GetSection(PartitionSettings.SectionName).Get<PartitionSettings>() ?? new();

        builder.UseOrleans(silo =>
        {
            silo.UseEncoreClusteringAndStorage(builder.Configuration, orleans);
            silo.AddEncoreStreams(partitions.Partitions);
            silo.AddEncoreFeatures();
            silo.AddDashboard();
        });
        return builder;
    }
}
