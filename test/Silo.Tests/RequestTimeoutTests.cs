using System.Net;
using System.Net.Http.Json;
using Encore.Silo.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Encore.Silo.Tests;

/// <summary>
/// The request timeout answers on time even when the endpoint waits on something that ignores the
/// request's cancellation, as a grain call does: the API's timeout policy and filter on a bare host.
/// </summary>
public sealed class RequestTimeoutTests
{
    [Fact]
    public async Task AnApiCallThatOutlivesTheRequestTimeoutIs504()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddProblemDetails();
        builder.Services.Configure<ApiSettings>(settings => settings.RequestTimeout = TimeSpan.FromMilliseconds(200));
        ApiLimits.AddTo(builder.Services);
        await using var app = builder.Build();
        app.UseRouting();
        app.UseRequestTimeouts();
        var never = new TaskCompletionSource<string>();
        app.MapGroup("/api").AddEndpointFilter(ApiLimits.StopWaitingWhenAbortedAsync).MapGet("/never", () => never.Task);
        await app.StartAsync();

        var response = await app.GetTestClient().GetAsync("/api/never");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDto>();
        Assert.Equal("Request timed out", problem!.Title);
        Assert.Equal("GET /api/never did not finish within 0.2 s (Api:RequestTimeout); try again.", problem.Detail);
    }
}
