using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Encore.Deploy.Tests.Infrastructure;
using Encore.Ranking;
using Encore.Similarity;
using Encore.Stats;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Encore.Deploy.Tests.Kubernetes;

/// <summary>
/// Prometheus finds the silos' /metrics (pod annotations, and a ServiceMonitor for the Prometheus
/// Operator), and the Grafana dashboard parses and queries only series the silo exports: Encore's
/// as its meter defines them, the rest under the prefixes of the other meters the silo exports.
/// </summary>
public sealed partial class MonitoringTests
{
    public static TheoryData<string> Kustomizations => ["base", "overlays/gke", "overlays/local"];

    private const string DashboardPath = "k8s/monitoring/grafana/encore-dashboard.json";

    /// <summary>
    /// The Prometheus names of the other meters' series the dashboard may use: Microsoft.Orleans,
    /// ASP.NET Core's hosting and Kestrel meters, System.Runtime (Silo/Hosting/TelemetryHosting.cs).
    /// </summary>
    private static readonly string[] FrameworkPrefixes = ["orleans_", "http_server_", "kestrel_", "aspnetcore_", "dotnet_"];

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void SiloPodsAskToBeScrapedAtMetricsOnTheHttpPort(string folder)
    {
        var deployment = Manifests.Of(folder).Typed<V1Deployment>("encore-silo");
        var annotations = deployment.Spec.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        var http = Assert.Single(Assert.Single(deployment.Spec.Template.Spec.Containers, c => c.Name == "silo").Ports, p => p.Name == "http");
        Assert.Equal(http.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
    }

    [Fact]
    public void TheServiceMonitorScrapesTheApiServicesHttpPortAtMetrics()
    {
        var monitoring = Manifests.Of("monitoring");
        var monitor = monitoring.Single("ServiceMonitor", "encore-silo");
        Assert.Equal("monitoring.coreos.com/v1", monitor.ApiVersion);
        Assert.Equal("encore", monitor.Namespace);
        var selector = monitor.Json["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(p => p.Key, p => p.Value.Str());
        var endpoint = Assert.Single(monitor.Json["spec"]!["endpoints"].Items());
        Assert.Equal("/metrics", endpoint["path"].Str());

        // The named port exists on a Service of the base that the selector picks, and leads to the silo's http port.
        var services = Manifests.Of("base").AllTyped<V1Service>()
            .Where(s => selector.All(l => s.Metadata.Labels is { } labels && labels.TryGetValue(l.Key, out var value) && value == l.Value))
            .Where(s => s.Spec.Ports.Any(p => p.Name == endpoint["port"].Str()))
            .ToList();
        var api = Assert.Single(services);
        Assert.Equal("encore-api", api.Metadata.Name);
        Assert.Equal("http", api.Spec.Ports.Single(p => p.Name == endpoint["port"].Str()).TargetPort.Value);

        // The ServiceMonitor's CRD may be missing: it stays out of the kustomizations that deploy Encore.
        foreach (var folder in Kustomizations)
        {
            Assert.Empty(Manifests.Of(folder).OfKind("ServiceMonitor"));
        }
    }

    [Fact]
    public void GrafanaLoadsTheDashboardFromAConfigMap()
    {
        var configMap = Manifests.Of("monitoring").Typed<V1ConfigMap>("encore-grafana-dashboard");
        Assert.Equal("1", configMap.Metadata.Labels["grafana_dashboard"]);
        Assert.Equal(Repo.Read(DashboardPath), configMap.Data["encore-dashboard.json"]);
    }

    [Fact]
    public void EveryDashboardPanelQueriesSeriesTheSiloExports()
    {
        var dashboard = JsonNode.Parse(Repo.Read(DashboardPath))!.AsObject();
        Assert.Equal("encore", dashboard["uid"].Str());
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());

        var encoreSeries = EncoreSeries();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var panel in panels)
        {
            var title = panel["title"].Str();
            var targets = panel["targets"].Items().ToList();
            Assert.True(targets.Count > 0, $"Panel '{title}' has no query.");
            foreach (var expr in targets.Select(t => t["expr"].Str()!))
            {
                var metrics = MetricNames(expr);
                Assert.True(metrics.Count > 0, $"Panel '{title}' queries no metric: {expr}");
                foreach (var metric in metrics)
                {
                    Assert.True(
                        metric.StartsWith("encore_", StringComparison.Ordinal) ? encoreSeries.Contains(metric) : FrameworkPrefixes.Any(p => metric.StartsWith(p, StringComparison.Ordinal)),
                        $"Panel '{title}' queries {metric}, which no exported meter defines. Encore's series: {string.Join(", ", encoreSeries.Order())}");
                    used.Add(metric);
                }
            }
        }

        // Every Encore instrument has a panel.
        foreach (var instrument in EncoreInstruments())
        {
            Assert.True(PrometheusSeries(instrument).Any(used.Contains), $"No panel shows {instrument.Name}.");
        }
    }

    /// <summary>The identifiers of a PromQL expression that name series (not functions, label names or keywords).</summary>
    private static HashSet<string> MetricNames(string expr)
    {
        var withoutLabels = LabelMatchers().Replace(ByClause().Replace(expr, ""), "");
        return [.. Identifier().Matches(withoutLabels).Select(m => m.Value)
            .Where(name => !PromQlWords.Contains(name) && !Regex.IsMatch(withoutLabels, $@"\b{name}\s*\("))];
    }

    private static readonly HashSet<string> PromQlWords = ["sum", "max", "min", "avg", "rate", "irate", "increase", "histogram_quantile", "by", "without", "le", "count"];

    [GeneratedRegex(@"\b(by|without)\s*\([^)]*\)")]
    private static partial Regex ByClause();

    [GeneratedRegex(@"\{[^}]*\}|\[[^\]]*\]")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b")]
    private static partial Regex Identifier();

    /// <summary>The instruments Encore's meter defines, read off a real <see cref="EncoreTelemetry"/>.</summary>
    private static List<Instrument> EncoreInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var telemetry = new EncoreTelemetry(factory, new PipelineStats(TimeProvider.System), new ActiveRanker(), new CoOccurrenceFigures(), TimeProvider.System);
        var instruments = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == EncoreTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                instruments.Add(instrument);
            }
        };
        listener.Start();
        Assert.NotEmpty(instruments);
        return instruments;
    }

    private static HashSet<string> EncoreSeries() => [.. EncoreInstruments().SelectMany(PrometheusSeries)];

    /// <summary>
    /// The series names the OpenTelemetry Prometheus exporter gives an instrument: dots become
    /// underscores, seconds add _seconds (units in braces add nothing), counters end in _total,
    /// histograms become _bucket, _sum and _count.
    /// </summary>
    private static IEnumerable<string> PrometheusSeries(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_') + instrument.Unit switch
        {
            "s" => "_seconds",
            null or "" or "1" => "",
            var unit when unit.StartsWith('{') => "",
            var unit => throw new Xunit.Sdk.XunitException($"{instrument.Name}: no Prometheus suffix known for unit '{unit}'."),
        };
        var type = instrument.GetType().GetGenericTypeDefinition();
        if (type == typeof(Counter<>) || type == typeof(ObservableCounter<>))
        {
            return [name + "_total"];
        }

        return type == typeof(Histogram<>) ? [name + "_bucket", name + "_sum", name + "_count"] : [name];
    }
}
