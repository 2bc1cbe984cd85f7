using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Encore.Silo.Hosting;

/// <summary>
/// <c>/health/live</c> answers as long as the process serves HTTP (it checks nothing, so a slow
/// dependency never gets a silo restarted); <c>/health/ready</c> runs every readiness check (catalog
/// and index, Kafka, PostgreSQL when configured, cluster membership) and names each one's status.
/// </summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddEncoreHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ReadinessCheck>("catalog", tags: [ReadinessCheck.Tag])
            .AddCheck<KafkaReadinessCheck>("kafka", tags: [ReadinessCheck.Tag])
            .AddCheck<MembershipReadinessCheck>("membership", tags: [ReadinessCheck.Tag]);
        services.AddSingleton<KafkaReadinessCheck>();
        return services;
    }

    public static IEndpointRouteBuilder MapEncoreHealth(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", () => TypedResults.Ok(new HealthAnswer(nameof(HealthStatus.Healthy), [])))
            .WithName("GetLiveness")
            .WithSummary("Liveness: 200 while the process serves HTTP; checks nothing.");
        health.MapGet("/ready", GetReadinessAsync)
            .WithName("GetReadiness")
            .WithSummary("Readiness: 200 when every check is healthy, 503 naming the checks that are not.")
            .Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthAnswer>, JsonHttpResult<HealthAnswer>>> GetReadinessAsync(
        HealthCheckService health, HttpResponse response, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadinessCheck.Tag), cancellationToken);
        var answer = new HealthAnswer(report.Status.ToString(), [.. report.Entries.Select(e =>
            new HealthCheckAnswer(e.Key, e.Value.Status.ToString(), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1)))]);

        // A probe must see the dependency as it is now, never a cached answer.
        response.Headers.CacheControl = "no-store";
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(answer, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(answer);
    }
}

/// <param name="Status">Healthy, Degraded or Unhealthy: the worst of the checks.</param>
/// <param name="Checks">Each check in the order registered.</param>
internal sealed record HealthAnswer(string Status, HealthCheckAnswer[] Checks);

/// <param name="Name">catalog, kafka, postgres or membership.</param>
/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Description">What the check found, or why it failed.</param>
/// <param name="DurationMs">How long the check took.</param>
internal sealed record HealthCheckAnswer(string Name, string Status, string? Description, double DurationMs);
