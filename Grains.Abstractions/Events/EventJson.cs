using System.Text.Json;
using System.Text.Json.Serialization;

namespace Encore.Events;

/// <summary>System.Text.Json source-generated metadata for the event contract: camelCase, no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListeningEvent))]
[JsonSerializable(typeof(ListeningEvent[]))]
public sealed partial class EventJson : JsonSerializerContext
{
    public static byte[] Serialize(ListeningEvent value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, Default.ListeningEvent);
}
