using System.Text.Json;

namespace Encore.Deploy.Tests.Infrastructure;

/// <summary>The checkout under test, found by walking up from the test binaries to Orleans.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) =>
        Path.GetFullPath(Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar)));

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));

    /// <summary>
    /// Every configuration key the silo reads from Silo/appsettings.json, flattened the way
    /// environment variables name them (Kafka:Topic becomes Kafka__Topic).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SiloSettings { get; } = LoadSiloSettings();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }

    private static Dictionary<string, string?> LoadSiloSettings()
    {
        using var document = JsonDocument.Parse(Read("Silo/appsettings.json"));
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        Flatten(document.RootElement, prefix: null, settings);
        return settings;
    }

    private static void Flatten(JsonElement element, string? prefix, Dictionary<string, string?> settings)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix is null ? property.Name : $"{prefix}__{property.Name}", settings);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}__{index++}", settings);
                }
                break;
            case JsonValueKind.Null:
                settings[prefix!] = null;
                break;
            default:
                settings[prefix!] = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
                break;
        }
    }
}
