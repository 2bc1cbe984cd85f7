using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Encore.Deploy.Tests.Infrastructure;

/// <summary>
/// YAML read into System.Text.Json nodes, which are easy to walk in assertions. Scalars stay
/// strings (8080, true and music.plays alike); anchors, aliases and merge keys (&lt;&lt;) are resolved.
/// </summary>
internal static class Yaml
{
    public static IReadOnlyList<JsonObject> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(new StringReader(text))));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>()];
    }

    public static JsonObject Load(string text) => LoadAll(text) switch
    {
        [var single] => single,
        var all => throw new InvalidDataException($"Expected one YAML document, found {all.Count}."),
    };

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToObject(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar when IsNull(scalar) => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static JsonObject ToObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            if (result.ContainsKey(name))
            {
                throw new InvalidDataException($"Duplicate key '{name}' at {key.Start}.");
            }
            result[name] = ToJson(value);
        }
        return result;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
}

internal static class JsonNodeExtensions
{
    public static string? Str(this JsonNode? node) => node?.GetValue<string>();

    public static JsonObject Obj(this JsonNode? node, string because) =>
        node as JsonObject ?? throw new Xunit.Sdk.XunitException($"Expected a mapping: {because}.");

    public static IEnumerable<JsonNode> Items(this JsonNode? node) =>
        node is JsonArray array ? array.Where(n => n is not null).Select(n => n!) : [];

    public static IEnumerable<string> Strings(this JsonNode? node) => node.Items().Select(n => n.Str()!);
}
