using System.Net;
using Encore.Silo.Api;
using Microsoft.Extensions.Configuration.Json;

namespace Encore.Silo.Hosting;

/// <summary>
/// A silo without API keys answers anyone who reaches it, so it listens on localhost only, unless the
/// operator both sets its URLs explicitly (ASPNETCORE_URLS, --urls) and sets <c>Api:AllowAnonymous</c>.
/// </summary>
internal static class KeylessBinding
{
    /// <summary>
    /// Narrows the configured URLs to the loopback interface when no key is configured and anonymous
    /// access was not asked for. Returns what to log at start: null when keys are configured.
    /// </summary>
    public static string? RestrictToLocalhostWithoutKeys(this ConfigurationManager configuration)
    {
        var api = configuration.GetSection(ApiSettings.SectionName).Get<ApiSettings>() ?? new();
        if (api.KeysRequired)
        {
            return null;
        }

        var explicitUrls = configuration["urls"] is { Length: > 0 } && !ComeFromAppSettings(configuration, "urls");
        var urls = configuration["urls"] is { Length: > 0 } configured ? configured : PortsAsUrls(configuration);
        if (api.AllowAnonymous && explicitUrls)
        {
            return $"No API key is configured (Api:Keys, Api:AdminKeys) and Api:AllowAnonymous is set: anyone who reaches {urls} may use the API and the dashboard.";
        }

        if (configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            throw new InvalidOperationException(
                "Kestrel:Endpoints is configured but no API key is (Api:Keys, Api:AdminKeys): set a key, or set Api__AllowAnonymous=true and the URLs explicitly.");
        }

        var local = string.Join(';', urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ToLoopback));
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("urls", local)]);
        var why = api.AllowAnonymous
            ? "Api:AllowAnonymous is set but the URLs are appsettings.json's defaults; set ASPNETCORE_URLS or --urls as well to listen elsewhere"
            : "set Api__Keys__0 (and Api__AdminKeys__0) to listen on other interfaces";
        return $"No API key is configured: the API and the dashboard are unauthenticated, so the silo listens on localhost only ({local}); {why}.";
    }

    /// <summary>The same URL on the loopback interface; URLs already there, and Unix sockets, are kept.</summary>
    internal static string ToLoopback(string url)
    {
        var address = BindingAddress.Parse(url);
        if (address.IsUnixPipe || address.Host == "localhost" || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
        {
            return url;
        }

        // "localhost" binds both 127.0.0.1 and ::1, but Kestrel refuses it with port 0 (a free port).
        var host = address.Port == 0 ? "127.0.0.1" : "localhost";
        return $"{address.Scheme}://{host}:{address.Port}{address.PathBase}";
    }

    /// <summary>
    /// Where Kestrel listens when no URL is set: ASPNETCORE_HTTP_PORTS and _HTTPS_PORTS on every
    /// interface (the .NET container images set the former), else its own default on localhost.
    /// </summary>
    private static string PortsAsUrls(IConfiguration configuration)
    {
        static IEnumerable<string> Ports(string? ports) => (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var urls = Ports(configuration["http_ports"]).Select(p => $"http://*:{p}").Concat(Ports(configuration["https_ports"]).Select(p => $"https://*:{p}"));
        return string.Join(';', urls.DefaultIfEmpty("http://localhost:5000"));
    }

    /// <summary>Whether the value the configuration holds for <paramref name="key"/> is the one the silo ships in appsettings*.json.</summary>
    private static bool ComeFromAppSettings(IConfigurationRoot configuration, string key) =>
        configuration.Providers.LastOrDefault(p => p.TryGet(key, out _)) is JsonConfigurationProvider json
        && (json.Source.Path ?? "").StartsWith("appsettings", StringComparison.OrdinalIgnoreCase);
}
