namespace Encore.Silo.Api;

internal static class ApiEndpoints
{
    /// <summary>The HTTP API under <c>/api</c>, as the README's "HTTP API" lists it.</summary>
    public static IEndpointRouteBuilder MapEncoreApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapUserEndpoints();
        api.MapTrackEndpoints();
        api.MapArtistEndpoints();
        api.MapTrendingEndpoints();
        api.MapStatsEndpoints();
        api.MapEventEndpoints();
        api.MapModelEndpoints();
        return app;
    }
}
