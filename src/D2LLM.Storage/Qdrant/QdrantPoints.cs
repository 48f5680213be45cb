using D2LLM.Storage.Mapping;
using Google.Protobuf.Collections;
using Qdrant.Client.Grpc;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// Stored records (<see cref="StoredRecord"/>) to Qdrant points and back, in the CommunityToolkit connector's layout:
/// the key is the point id (ulong → numeric id, Guid → UUID) and is not copied into the payload; each data property is
/// a payload field under its storage name (strings, integers, doubles, booleans, null, lists; dates as ISO-8601 "O"
/// strings); the vector is the point's unnamed vector when the collection has one vector, else each vector is a named
/// vector under its storage name.
/// </summary>
internal sealed class QdrantPoints(IReadOnlyList<string> vectorNames, bool named)
{
    public bool Named { get; } = named;

    public PointStruct ToPoint(StoredRecord record)
    {
        var point = new PointStruct { Id = Id(record.Key), Vectors = new Vectors() };
        foreach (var (name, value) in record.Data) point.Payload[name] = ToValue(value);
        if (Named)
        {
            var vectors = new NamedVectors();
            foreach (var name in vectorNames)
                if (record.Vectors.GetValueOrDefault(name) is { } v) vectors.Vectors[name] = v;
            point.Vectors.Vectors_ = vectors;
        }
        else
        {
            point.Vectors.Vector = record.Vectors.GetValueOrDefault(vectorNames[0])
                ?? throw new ArgumentException($"record {record.Key}: vector '{vectorNames[0]}' is null (a collection with one unnamed vector needs it on every point)");
        }

        return point;
    }

    public StoredRecord FromPoint(PointId id, MapField<string, Value> payload, VectorsOutput? vectors, Type keyType)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in payload) data[name] = FromValue(value);
        var result = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        if (vectors is not null)
        {
            if (Named && vectors.Vectors is { } many)
            {
                foreach (var name in vectorNames)
                    result[name] = many.Vectors.TryGetValue(name, out var v) ? Floats(v) : null;
            }
            else if (!Named && vectors.Vector is { } one)
            {
                result[vectorNames[0]] = Floats(one);
            }
        }

        return new StoredRecord(Key(id, keyType), data, result);
    }

    public static PointId Id(object key) => key switch
    {
        ulong n => n,
        Guid g => g,
        _ => throw new NotSupportedException($"key type {key.GetType().Name} (Qdrant point ids are ulong or Guid)"),
    };

    public static object Key(PointId id, Type keyType) => id.PointIdOptionsCase switch
    {
        PointId.PointIdOptionsOneofCase.Num when keyType == typeof(ulong) || keyType == typeof(object) => id.Num,
        PointId.PointIdOptionsOneofCase.Uuid when keyType == typeof(Guid) || keyType == typeof(object) => Guid.Parse(id.Uuid),
        PointId.PointIdOptionsOneofCase.Num => throw new InvalidDataException($"its id is a number, but the collection's keys are {keyType.Name}"),
        _ => throw new InvalidDataException($"its id is a UUID, but the collection's keys are {keyType.Name}"),
    };

    public static Value ToValue(object? stored) => stored switch
    {
        null => new Value { NullValue = NullValue.NullValue },
        string s => s,
        long l => l,
        double d => d,
        bool b => b,
        IEnumerable<object?> list => new Value { ListValue = new ListValue { Values = { list.Select(ToValue) } } },
        _ => throw new NotSupportedException($"a payload value of type {stored.GetType().Name}"),
    };

    public static object? FromValue(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.IntegerValue => value.IntegerValue,
        Value.KindOneofCase.DoubleValue => value.DoubleValue,
        Value.KindOneofCase.BoolValue => value.BoolValue,
        Value.KindOneofCase.ListValue => value.ListValue.Values.Select(FromValue).ToList(),
        _ => null,
    };

    /// <summary>A vector as the server sent it: servers up to 1.16 fill the deprecated data field, later ones the dense one.</summary>
    private static float[] Floats(VectorOutput vector)
    {
#pragma warning disable CS0612, CS0618 // the deprecated field is what older servers send
        return vector.Dense is { } dense ? dense.Data.ToArray() : vector.Data.ToArray();
#pragma warning restore CS0612, CS0618
    }
}
