using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace D2LLM.Storage.Embedded;

/// <summary>One vector of a collection: its storage name, size and distance function.</summary>
internal sealed record VectorSchema(string Name, int Dimensions, string Distance);

/// <summary>
/// What a collection holds, as written when it is created: the key's storage name and kind ("string", "guid" or
/// "integer": int and long keys share the kind) and its vectors. Data fields are not fixed: each record keeps its
/// data as JSON, so record types may add fields later (as a relational provider's ALTER would).
/// </summary>
internal sealed record CollectionSchema(string KeyName, string KeyKind, IReadOnlyList<VectorSchema> Vectors)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static CollectionSchema Of(CollectionModel model) => new(
        model.KeyProperty.StorageName,
        KindOf(model.KeyProperty.Type),
        model.VectorProperties.Select(v => new VectorSchema(v.StorageName, v.Dimensions, v.DistanceFunction ?? DistanceFunction.CosineSimilarity)).ToList());

    public static string KindOf(Type keyType) =>
        keyType == typeof(string) ? "string" : keyType == typeof(Guid) ? "guid" : keyType == typeof(int) || keyType == typeof(long) ? "integer"
        : throw new NotSupportedException($"key type {keyType.Name} (the embedded store keys records by string, Guid, int or long)");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CollectionSchema FromJson(string json) => JsonSerializer.Deserialize<CollectionSchema>(json, Json) ?? throw new JsonException("null schema");

    /// <summary>The key as the records table holds it (its text: Guids in "D" form, integers in invariant digits).</summary>
    public static string KeyText(object key) => key switch
    {
        string s => s.Length > 0 ? s : throw new ArgumentException("a record key is empty"),
        Guid g => g.ToString("D"),
        int or long => Convert.ToString(key, CultureInfo.InvariantCulture)!,
        _ => throw new NotSupportedException($"key type {key.GetType().Name} (the embedded store keys records by string, Guid, int or long)"),
    };

    /// <summary>A key back from its text, as the CLR type the caller's record declares.</summary>
    public object KeyFromText(string text, Type keyType) => KeyKind switch
    {
        "guid" => Guid.Parse(text),
        "integer" => keyType == typeof(int) ? (object)int.Parse(text, CultureInfo.InvariantCulture) : long.Parse(text, CultureInfo.InvariantCulture),
        _ => text,
    };

    /// <summary>The key as filters see it (<see cref="Mapping.StoredValue"/>): integers as long, others as their text.</summary>
    public object StoredKey(string text) => KeyKind == "integer" ? long.Parse(text, CultureInfo.InvariantCulture) : text;

    /// <summary>
    /// Checks that a record type fits the collection as created: the same key kind, and each of its vectors stored under
    /// that name with the same size (and distance, when the record type names one). The message names both sides.
    /// </summary>
    public void CheckFits(CollectionModel model, string where)
    {
        string kind = KindOf(model.KeyProperty.Type);
        if (kind != KeyKind) throw new VectorStoreException($"{where} is keyed by {KeyKind}, the record type by {model.KeyProperty.Type.Name}");
        foreach (var property in model.VectorProperties)
        {
            var stored = Vectors.FirstOrDefault(v => v.Name == property.StorageName)
                ?? throw new VectorStoreException($"{where} has no vector '{property.StorageName}' (it holds {string.Join(", ", Vectors.Select(v => $"'{v.Name}'"))})");
            if (stored.Dimensions != property.Dimensions)
                throw new VectorStoreException($"{where} holds {stored.Dimensions}-dimensional '{stored.Name}' vectors, the record type declares {property.Dimensions}");
            if (property.DistanceFunction is { } distance && distance != stored.Distance)
                throw new VectorStoreException($"{where} compares '{stored.Name}' by {stored.Distance}, the record type by {distance}");
        }
    }
}
