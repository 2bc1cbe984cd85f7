namespace Encore.Silo.Api;

internal static class ApiEndpoints
{
    /// <summary>
    /// The HTTP API under <c>/api</c> (the README's "HTTP API" lists it): every route needs a key when keys are
    /// configured (admin routes say so themselves), and none is waited for past the request's timeout.
    /// </summary>
    public static IEndpointRouteBuilder MapEncoreApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter(ApiLimits.StopWaitingWhenAbortedAsync);
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
