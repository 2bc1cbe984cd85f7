using Encore.Pipeline;
using Encore.Silo.Api;
using Encore.Silo.Demo;
using Encore.Silo.Events;
using Encore.Silo.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;

namespace Encore.Silo.Hosting;

internal static class WebHosting
{
    /// <summary>
    /// HTTP API services: ProblemDetails for every error, health checks, the API's OpenAPI description,
    /// metrics and traces, the event publisher.
    /// </summary>
    public static WebApplicationBuilder AddEncoreWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Framework-made errors (no route, wrong method) carry no detail of their own: say what was asked.
            var request = context.HttpContext.Request;
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => $"Nothing answers {request.Method} {request.Path}; the API is listed in the \"HTTP API\" section of Encore's README.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
                StatusCodes.Status415UnsupportedMediaType => $"Content type '{request.ContentType}' is not supported on {request.Path}.",
                _ => null,
            };
        });
        builder.Services.AddEncoreHealthChecks();
        builder.Services.AddEncoreOpenApi();
        builder.AddEncoreTelemetry();
        builder.Services.AddSingleton<IEventPublisher, KafkaEventPublisher>();
        builder.Services.AddSingleton<IDeadLetters, KafkaDeadLetters>();
        builder.Services.AddHostedService<KafkaStatsBridge>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<DemoSettings>().BindConfiguration(DemoSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<DemoTraffic>();
        return builder;
    }

    /// <summary>The web page, the API, health probes, /metrics, /openapi/v1.json and the Orleans dashboard.</summary>
    public static WebApplication MapEncoreWeb(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapEncoreApi();
        app.MapEncoreHealth();
        app.MapEncoreTelemetry();
        app.MapEncoreOpenApi();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}
