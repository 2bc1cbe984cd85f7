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

    /// <summary>
    /// Whether the silo reads the environment variable <paramref name="name"/>: a key of
    /// <see cref="SiloSettings"/>, or an item of a list setting (Api:Keys is [] in appsettings.json and
    /// is set as Api__Keys__0, Api__Keys__1, ...).
    /// </summary>
    public static bool SiloReads(string name)
    {
        if (SiloSettings.ContainsKey(name))
        {
            return true;
        }

        var last = name.LastIndexOf("__", StringComparison.Ordinal);
        return last > 0 && name[(last + 2)..].All(char.IsAsciiDigit) && name.Length > last + 2 && SiloListSettings.Contains(name[..last]);
    }

    /// <summary>The settings of Silo/appsettings.json whose value is a list, named as environment variables name them.</summary>
    private static HashSet<string> SiloListSettings { get; } = LoadSiloListSettings();

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

    private static HashSet<string> LoadSiloListSettings()
    {
        using var document = JsonDocument.Parse(Read("Silo/appsettings.json"));
        var lists = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string? prefix)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                lists.Add(prefix!);
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, prefix is null ? property.Name : $"{prefix}__{property.Name}");
                }
            }
        }

        Walk(document.RootElement, prefix: null);
        return lists;
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
