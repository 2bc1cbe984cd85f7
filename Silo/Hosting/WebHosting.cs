using Encore.Silo.Api;
using Encore.Silo.Events;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Orleans.Dashboard;

namespace Encore.Silo.Hosting;

internal static class WebHosting
{
    /// <summary>HTTP API services: ProblemDetails for every error, health checks, the event publisher.</summary>
    public static WebApplicationBuilder AddEncoreWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("catalog", tags: [ReadinessCheck.Tag]);
        builder.Services.AddSingleton<IEventPublisher, MemoryStreamEventPublisher>();
        return builder;
    }

    /// <summary>The web page, the API, health probes and the Orleans dashboard.</summary>
    public static WebApplication MapEncoreWeb(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapEncoreApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessCheck.Tag) });
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}
