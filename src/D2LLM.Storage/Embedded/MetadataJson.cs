using System.Text.Json;

namespace D2LLM.Storage.Embedded;

/// <summary>A record's metadata to and from its JSON column: strings, integers (long), numbers (double), booleans, string lists.</summary>
internal static class MetadataJson
{
    public static string Write(IReadOnlyDictionary<string, object?> metadata)
    {
        foreach (var (key, value) in metadata)
            if (value is not (null or string or long or int or double or float or bool or IEnumerable<string>))
                throw new ArgumentException($"metadata '{key}': {value.GetType().Name} is not supported (string, integer, number, boolean, list of strings)");
        return JsonSerializer.Serialize(metadata);
    }

    public static Dictionary<string, object?> Read(string json)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject()) result[p.Name] = MetadataValue.FromJson(p.Value);
        return result;
    }
}
