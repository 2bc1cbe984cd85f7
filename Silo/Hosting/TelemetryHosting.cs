using System.Diagnostics.Metrics;
using Encore.Stats;
using Encore.Streams.Kafka.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace Encore.Silo.Hosting;

/// <summary>
/// OpenTelemetry: the metrics of Encore, Orleans, ASP.NET Core and the .NET runtime as Prometheus text
/// at <c>GET /metrics</c>; with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, metrics, traces and logs also
/// go there over OTLP (the exporter reads the other <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
/// </summary>
internal static class TelemetryHosting
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Series one instrument of a framework meter keeps at most; past it, new label sets are counted in
    /// one overflow series. OpenTelemetry preallocates every instrument's points for its limit (2 000 by
    /// default): about 44 MB over the silo's 250 framework instruments, whose largest (Orleans' by grain
    /// type, ASP.NET Core's by route and status) have a few hundred. Encore's own instruments keep the
    /// default: their series follow the topic's partitions.
    /// </summary>
    public const int FrameworkSeriesLimit = 256;

    /// <summary>
    /// Whether the silo makes spans: with somewhere to send them, or when asked to. Without, not even
    /// Orleans' grain-call filters are installed, for every grain call pays for passing through them.
    /// </summary>
    public static bool MakesSpans(IConfiguration configuration) =>
        ExportsOverOtlp(configuration) || (configuration.GetSection(TelemetrySettings.SectionName).Get<TelemetrySettings>()?.Spans ?? false);

    private static bool ExportsOverOtlp(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);

    /// <summary>The meters exported besides <see cref="EncoreTelemetry.Name"/>.</summary>
    public static readonly string[] FrameworkMeters =
    [
        "Microsoft.Orleans",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Runtime",
    ];

    /// <summary>
    /// The spans exported: Encore's (batches, recommendation requests), the Kafka provider's reads and
    /// Orleans' calls between application grains. Orleans' runtime spans (membership probes, stream
    /// deliveries, ...) are left out: they are many, and a delivery span would stand between a Kafka
    /// read and the batch it brought.
    /// </summary>
    public static readonly string[] TraceSources =
        [EncoreTelemetry.Name, KafkaTracing.SourceName, ActivitySources.ApplicationGrainActivitySourceName];

    public static WebApplicationBuilder AddEncoreTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("encore-silo"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(EncoreTelemetry.Name).AddMeter(FrameworkMeters).AddPrometheusExporter();
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, builder) =>
                    builder.AddView(StreamOf(services.GetRequiredService<IMeterFactory>())));
            });

        // Spans only with somewhere to send them: every grain call would otherwise make one for nothing.
        if (ExportsOverOtlp(builder.Configuration))
        {
            otel.WithTracing(tracing => tracing
                .AddSource(TraceSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments(MetricsPath) && !context.Request.Path.StartsWithSegments("/health")));
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// How the silo whose meters <paramref name="own"/> made exports an instrument. A meter provider
    /// listens to every meter of a name in the process. A silo exports the instruments of meters its own
    /// <see cref="IMeterFactory"/> made, and those of process-wide meters (no factory), so that silos
    /// sharing a process (tests, a TestCluster) do not report each other's figures; a framework meter's
    /// with at most <see cref="FrameworkSeriesLimit"/> series.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> StreamOf(IMeterFactory own) => instrument =>
        instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop
        : instrument.Meter.Name == EncoreTelemetry.Name ? null
        : new MetricStreamConfiguration { CardinalityLimit = FrameworkSeriesLimit };

    public static IEndpointRouteBuilder MapEncoreTelemetry(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}

/// <summary>Configuration section <c>Telemetry</c> (the README, "Configuration").</summary>
public sealed class TelemetrySettings
{
    public const string SectionName = "Telemetry";

    /// <summary>Make spans without an OTLP endpoint: for a listener in the silo's process (tests) or a trace session.</summary>
    public bool Spans { get; set; }
}
