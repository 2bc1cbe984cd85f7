using System.Text.Json;
using Encore.Catalog;
using Encore.Pipeline;
using Encore.Ranking;
using Encore.Silo.Api;
using Encore.Silo.Demo;
using Encore.Silo.Hosting;
using Encore.Silo.Kafka;
using Encore.Similarity;
using Encore.Storage;
using Encore.Warehouse;
using Microsoft.Extensions.Configuration;

namespace Encore.Silo.Tests;

/// <summary>
/// Silo/appsettings.json lists every setting the silo reads with its default (the README says so),
/// so the file and the defaults in code must agree, and every key in the file must name a setting.
/// </summary>
public sealed class AppSettingsTests
{
    private static readonly IConfiguration AppSettings = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(RepositoryRoot(), "Silo", "appsettings.json"))
        .Build();

    public static TheoryData<string, Type> Sections => new()
    {
        { OrleansSettings.SectionName, typeof(OrleansSettings) },
        { KafkaSettings.SectionName, typeof(KafkaSettings) },
        { CatalogOptions.SectionName, typeof(CatalogOptions) },
        { DemoSettings.SectionName, typeof(DemoSettings) },
        { FeatureStateOptions.SectionName, typeof(FeatureStateOptions) },
        { PipelineOptions.SectionName, typeof(PipelineOptions) },
        { RankerOptions.SectionName, typeof(RankerOptions) },
        { SimilarityOptions.SectionName, typeof(SimilarityOptions) },
        { PostgresOptions.SectionName, typeof(PostgresOptions) },
        { WarehouseOptions.SectionName, typeof(WarehouseOptions) },
        { ApiSettings.SectionName, typeof(ApiSettings) },
        { TelemetrySettings.SectionName, typeof(TelemetrySettings) },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void EachSectionHoldsTheDefaultsOfItsOptions(string section, Type options)
    {
        var fromFile = AppSettings.GetSection(section).Get(options, binder => binder.ErrorOnUnknownConfiguration = true);
        Assert.NotNull(fromFile);
        Assert.Equal(JsonSerializer.Serialize(Activator.CreateInstance(options), options), JsonSerializer.Serialize(fromFile, options));
    }

    [Fact]
    public void EveryTopLevelKeyIsASettingTheSiloReads()
    {
        var known = Sections.Select(row => (string)row[0]).Concat(["Logging", "Urls", "ConnectionStrings"]);
        Assert.Empty(AppSettings.GetChildren().Select(c => c.Key).Except(known));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
