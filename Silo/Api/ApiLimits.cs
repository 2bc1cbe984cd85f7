using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Api;

/// <summary>
/// How much a caller may ask (<see cref="ApiSettings"/>): POST /api/events per second (429), body size
/// (413), time per request (504). Every refusal is a ProblemDetails answer that names the setting.
/// </summary>
internal static class ApiLimits
{
    /// <summary>The rate limiter policy of <c>POST /api/events</c>.</summary>
    public const string EventPostsPolicy = "event-posts";

    public static void AddTo(IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiSettings>>(
            (kestrel, api) => kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes);

        // A body over the limit, or a malformed one, surfaces as an exception wherever it is read: its own
        // status (413, 400) rather than a 500.
        services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception =>
            exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(EventPostsPolicy, context =>
            {
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ApiSettings>>().Value.EventPostsPerSecond;
                return RateLimitPartition.GetTokenBucketLimiter(Caller(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.OnRejected = async (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ApiSettings>>().Value.EventPostsPerSecond;
                await ApiProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"{Caller(context)} may POST /api/events {perSecond} times per second (Api:EventPostsPerSecond); retry after {seconds} s.");
            };
        });

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ApiSettings>>((options, api) =>
        {
            var timeout = api.Value.RequestTimeout;
            options.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = timeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                WriteTimeoutResponse = context => ApiProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Request timed out",
                    $"{context.Request.Method} {context.Request.Path} did not finish within {timeout.TotalSeconds:0.###} s (Api:RequestTimeout); try again."),
            };
        });
    }

    /// <summary>
    /// Grain calls do not observe the request's cancellation: stop waiting for the endpoint when the
    /// request times out (or its client goes away), so that the timeout is answered on time. The
    /// endpoint's work may finish in the background; its answer is dropped.
    /// </summary>
    public static async ValueTask<object?> StopWaitingWhenAbortedAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await next(context).AsTask().WaitAsync(context.HttpContext.RequestAborted);

    /// <summary>Whom a rate limit counts: the key's name, or the remote address when no key is configured.</summary>
    private static string Caller(HttpContext context) =>
        context.RequestServices.GetRequiredService<ApiKeys>().Required
            ? context.User.Identity?.Name ?? "an unknown key"
            : $"address {context.Connection.RemoteIpAddress}";
}
