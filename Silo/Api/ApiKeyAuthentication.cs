using System.Security.Claims;
using System.Text.Encodings.Web;
using Encore.Silo.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Api;

/// <summary>
/// The <c>X-API-Key</c> header checked against <see cref="ApiKeys"/>, as Gorse does: 401 without a
/// configured key, 403 when an ordinary key asks for an admin route. With no key configured every
/// caller is the operator (the silo then listens on localhost only, see <see cref="KeylessBinding"/>).
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-API-Key";

    /// <summary>Routes that need an admin key: <c>RequireAuthorization(ApiKeyAuthentication.AdminPolicy)</c>.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>
    /// Where a browser keeps the dashboard's key: it cannot add a header to a page it navigates to, nor
    /// to the dashboard's own script requests. Read only under the dashboard's path.
    /// </summary>
    public const string DashboardCookie = "encore-dashboard-key";

    private const string AdminRole = "admin";

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ApiKeys>();
        services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(AdminRole));
    }

    /// <summary>
    /// Lets a browser open the dashboard: <c>/dashboard/?key=K</c> keeps K in an HTTP-only cookie
    /// limited to the dashboard's path and reloads the page without the key in its address.
    /// </summary>
    public static IApplicationBuilder UseDashboardKeyFromQuery(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments(WebHosting.DashboardPath) || !request.Query.TryGetValue("key", out var key))
        {
            await next(context);
            return;
        }

        context.Response.Cookies.Append(DashboardCookie, key.ToString(), new CookieOptions
        {
            Path = WebHosting.DashboardPath,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            IsEssential = true,
        });
        var rest = QueryString.Create(request.Query.Where(q => q.Key != "key"));
        context.Response.Redirect($"{request.PathBase}{request.Path}{rest}");
    });

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.Required)
        {
            return Task.FromResult(Success(new ApiCaller("operator", IsAdmin: true)));
        }

        if (PresentedKey() is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(keys.Find(presented) is { } caller ? Success(caller) : AuthenticateResult.Fail("The API key is not configured."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var what = $"{Request.Method} {Request.Path}";
        var dashboard = Request.Path.StartsWithSegments(WebHosting.DashboardPath);
        var howToOpenTheDashboard = $"open {WebHosting.DashboardPath}/?key=<admin key> once (the key is kept in a cookie for {WebHosting.DashboardPath}), or send it in the {Header} header.";
        return PresentedKey() is null
            ? ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "API key required", dashboard
                ? $"The dashboard needs an admin key (Api:AdminKeys): {howToOpenTheDashboard}"
                : $"{what} needs an API key (one of Api:Keys or Api:AdminKeys) in the {Header} header.")
            : ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unknown API key", dashboard
                ? $"The key given for the dashboard is not one of Api:AdminKeys: {howToOpenTheDashboard}"
                : $"The key in the {Header} header is not one of Api:Keys or Api:AdminKeys.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Admin key required",
            $"{Request.Method} {Request.Path} needs an admin key (one of Api:AdminKeys) in the {Header} header; {Context.User.Identity?.Name} is an ordinary key.");

    private string? PresentedKey()
    {
        if (Request.Headers.TryGetValue(Header, out var header) && !string.IsNullOrEmpty(header))
        {
            return header.ToString();
        }

        return Request.Path.StartsWithSegments(WebHosting.DashboardPath) && Request.Cookies.TryGetValue(DashboardCookie, out var cookie) && cookie.Length > 0
            ? cookie
            : null;
    }

    private AuthenticateResult Success(ApiCaller caller)
    {
        Claim[] claims = caller.IsAdmin
            ? [new Claim(ClaimTypes.Name, caller.Name), new Claim(ClaimTypes.Role, AdminRole)]
            : [new Claim(ClaimTypes.Name, caller.Name)];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
