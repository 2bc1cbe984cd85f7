using Microsoft.OpenApi;

namespace Encore.Silo.Hosting;

/// <summary>
/// The OpenAPI description of every route at <c>/openapi/v1.json</c>: the API and health endpoints
/// describe themselves (names, summaries, answers, ProblemDetails); the routes that are not endpoint
/// handlers (this document, the Prometheus scrape, the dashboard, the web page) are added by hand.
/// </summary>
internal static class OpenApiHosting
{
    public static IServiceCollection AddEncoreOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            // The Orleans dashboard's own JSON routes serve its page, not clients: /dashboard stands for them.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("dashboard", StringComparison.Ordinal) != true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Encore";
                document.Info.Description = "Real-time music recommendations: listening events in, recommendations, profiles, trends and pipeline figures out.";
                AddPage(document, "/openapi/v1.json", "GetOpenApi", "Operations", "This description of the HTTP API (OpenAPI 3.1).", "application/json");
                AddPage(document, TelemetryHosting.MetricsPath, "GetMetrics", "Operations", "Prometheus text exposition of Encore's, Orleans', ASP.NET Core's and the runtime's metrics.", "text/plain");
                AddPage(document, "/dashboard", "GetDashboard", "Pages", "The Orleans dashboard.", "text/html");
                AddPage(document, "/", "GetWebPage", "Pages", "The web page: live recommendations, the listener's taste, pipeline charts.", "text/html");
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapEncoreOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        return app;
    }

    private static void AddPage(OpenApiDocument document, string path, string operationId, string tag, string summary, string mediaType)
    {
        document.Paths ??= [];
        document.Paths[path] = new OpenApiPathItem
        {
            Operations = new()
            {
                [HttpMethod.Get] = new OpenApiOperation
                {
                    OperationId = operationId,
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new(tag, document) },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "OK", Content = new Dictionary<string, OpenApiMediaType> { [mediaType] = new() } },
                    },
                },
            },
        };
    }
}
