using System.Text.Json;

namespace D2LLM.Storage;

/// <summary>
/// A metadata value from JSON as the stores keep it: strings, integers as long, other numbers as double, booleans,
/// and lists (string elements as they are, others as their JSON text); anything else reads as null.
/// </summary>
public static class MetadataValue
{
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList(),
        _ => null,
    };
}
