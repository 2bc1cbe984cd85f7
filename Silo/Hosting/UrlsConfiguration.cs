namespace Encore.Silo.Hosting;

internal static class UrlsConfiguration
{
    /// <summary>
    /// appsettings.json's <c>Urls</c> is only the default: <c>ASPNETCORE_URLS</c> overrides it, and
    /// <c>--urls</c> overrides both. The host reads ASPNETCORE_ variables before appsettings.json, which
    /// would otherwise win; adding them again (and the command line after them) restores that order.
    /// </summary>
    public static IConfigurationBuilder PreferUrlsFromEnvironmentAndCommandLine(this IConfigurationBuilder configuration, string[] args, IDictionary<string, string?>? environment = null)
    {
        var urls = environment is null ? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") : environment.TryGetValue("ASPNETCORE_URLS", out var value) ? value : null;
        if (!string.IsNullOrWhiteSpace(urls))
        {
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("urls", urls)]);
        }

        return configuration.AddCommandLine(args);
    }
}
