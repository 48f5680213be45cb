using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// Records and filters in Qdrant's JSON. Payload layout as the CommunityToolkit.VectorData.Qdrant connector writes
/// it for a record class with a key, data properties and one unnamed vector: the key is the point id, and each data
/// property is a top-level payload field under its storage name — here "text" plus every metadata field.
/// </summary>
internal static class QdrantJson
{
    public const string TextField = "text";

    public static JsonNode Id(VectorKey key) => key.Number is { } n ? JsonValue.Create(n) : JsonValue.Create(key.Uuid!.Value.ToString("D"));

    public static VectorKey Key(JsonElement id) =>
        id.ValueKind == JsonValueKind.Number ? VectorKey.From(id.GetUInt64()) : VectorKey.From(Guid.Parse(id.GetString()!));

    public static JsonObject Point(VectorRecord record)
    {
        if (record.Metadata.ContainsKey(TextField)) throw new ArgumentException($"record {record.Key}: metadata may not use the field name '{TextField}' (it holds the text)");
        var payload = new JsonObject { [TextField] = record.Text };
        foreach (var (name, value) in record.Metadata) payload[name] = Value(value);
        return new JsonObject
        {
            ["id"] = Id(record.Key),
            ["vector"] = new JsonArray(record.Vector!.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
            ["payload"] = payload,
        };
    }

    public static VectorRecord Record(JsonElement point, bool withVector)
    {
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
        string text = "";
        if (point.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in payload.EnumerateObject())
            {
                if (p.Name == TextField && p.Value.ValueKind == JsonValueKind.String) text = p.Value.GetString()!;
                else metadata[p.Name] = MetadataValue.FromJson(p.Value);
            }
        }

        float[]? vector = null;
        if (withVector && point.TryGetProperty("vector", out var v) && v.ValueKind == JsonValueKind.Array)
            vector = v.EnumerateArray().Select(x => x.GetSingle()).ToArray();
        return new VectorRecord(Key(point.GetProperty("id")), text, metadata, vector);
    }

    /// <summary>A filter as Qdrant's {"must": [conditions]}.</summary>
    public static JsonObject Filter(VectorFilter filter) => new() { ["must"] = new JsonArray(Conditions(filter).ToArray()) };

    private static IEnumerable<JsonNode> Conditions(VectorFilter filter) => filter switch
    {
        AndFilter and => and.Conditions.SelectMany(Conditions),
        EqualFilter eq => new[] { (JsonNode)new JsonObject { ["key"] = eq.Field, ["match"] = new JsonObject { ["value"] = Value(eq.Value) } } },
        AnyOfFilter any => new[] { (JsonNode)new JsonObject { ["key"] = any.Field, ["match"] = new JsonObject { ["any"] = new JsonArray(any.Options.Select(Value).ToArray()) } } },
        RangeFilter range => new[] { (JsonNode)new JsonObject { ["key"] = range.Field, ["range"] = Range(range) } },
        _ => throw new NotSupportedException($"filter {filter.GetType().Name} has no Qdrant form"),
    };

    private static JsonObject Range(RangeFilter r)
    {
        var range = new JsonObject();
        if (r.GreaterOrEqual is { } ge) range["gte"] = ge;
        if (r.LessOrEqual is { } le) range["lte"] = le;
        if (r.Greater is { } g) range["gt"] = g;
        if (r.Less is { } l) range["lt"] = l;
        return range;
    }

    private static JsonNode? Value(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        float or double => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        IEnumerable<string> list => new JsonArray(list.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
        _ => throw new ArgumentException($"{value.GetType().Name} cannot be stored in a Qdrant payload (string, integer, number, boolean, list of strings)"),
    };

    public static string Distance(VectorDistance distance) => distance switch
    {
        VectorDistance.Cosine => "Cosine",
        VectorDistance.Dot => "Dot",
        _ => "Euclid",
    };

    /// <summary>Bytes of a point's JSON, for splitting upserts under the request limit.</summary>
    public static int Size(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node).Length;
}
