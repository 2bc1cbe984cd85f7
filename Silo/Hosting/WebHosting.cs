using Encore.Pipeline;
using Encore.Silo.Api;
using Encore.Silo.Demo;
using Encore.Silo.Events;
using Encore.Silo.Kafka;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;

namespace Encore.Silo.Hosting;

internal static partial class WebHosting
{
    public const string DashboardPath = "/dashboard";

    /// <summary>
    /// HTTP API services: ProblemDetails for every error, API keys and limits, health checks, the API's
    /// OpenAPI description, metrics and traces, the event publisher. Without API keys the silo's URLs
    /// are narrowed to localhost (<see cref="KeylessBinding"/>).
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
                StatusCodes.Status413PayloadTooLarge => $"The body of {request.Method} {request.Path} is larger than the silo reads (Api:MaxRequestBodyBytes).",
                StatusCodes.Status415UnsupportedMediaType => $"Content type '{request.ContentType}' is not supported on {request.Path}.",
                _ => null,
            };
        });
        builder.Services.AddOptions<ApiSettings>().BindConfiguration(ApiSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(new KeylessNotice(builder.Configuration.RestrictToLocalhostWithoutKeys()));
        ApiKeyAuthentication.AddTo(builder.Services);
        ApiLimits.AddTo(builder.Services);
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

    /// <summary>
    /// The web page, the API, health probes, /metrics, /openapi/v1.json and the Orleans dashboard. The
    /// page, the probes, metrics and the OpenAPI description need no key; the API needs one when keys
    /// are configured, the dashboard an admin key.
    /// </summary>
    public static WebApplication MapEncoreWeb(this WebApplication app)
    {
        if (app.Services.GetRequiredService<KeylessNotice>().Message is { } notice)
        {
            LogKeyless(app.Logger, notice);
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRequestTimeouts();
        ApiKeyAuthentication.UseDashboardKeyFromQuery(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapEncoreApi();
        app.MapEncoreHealth();
        app.MapEncoreTelemetry();
        app.MapEncoreOpenApi();
        IEndpointConventionBuilder dashboard = app.MapOrleansDashboard(routePrefix: DashboardPath).RequireAuthorization(ApiKeyAuthentication.AdminPolicy);
        dashboard.Add(endpoint =>
        {
            // The dashboard's trace view streams for as long as it is open.
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route } && route.EndsWith("/Trace", StringComparison.Ordinal))
            {
                endpoint.Metadata.Add(new DisableRequestTimeoutAttribute());
            }
        });
        return app;
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "{Notice}")]
    private static partial void LogKeyless(ILogger logger, string notice);

    /// <summary>What to say at start about a silo without API keys; null when keys are configured.</summary>
    private sealed record KeylessNotice(string? Message);
}
