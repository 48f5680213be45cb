using System.Text.Json;

namespace D2LLM.Models;

/// <summary>Typed access to config fields with errors that name the file and the field.</summary>
internal readonly struct ConfigFields(JsonElement root, string source)
{
    public string ArchitectureName()
    {
        if (root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0)
            return a[0].GetString() ?? "";
        string? modelType = OptionalString("model_type");
        return modelType switch
        {
            "qwen2" => "Qwen2ForCausalLM",
            "qwen3" => "Qwen3ForCausalLM",
            null => throw new InvalidDataException($"{source}: missing field 'architectures'"),
            _ => modelType,
        };
    }

    public int Int(string name) => OptionalInt(name) ?? throw new InvalidDataException($"{source}: missing field '{name}'");

    public int? OptionalInt(string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)) return v;
        throw new InvalidDataException($"{source}: field '{name}' should be an integer, got {e.GetRawText()}");
    }

    public double? OptionalDouble(string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number) return e.GetDouble();
        throw new InvalidDataException($"{source}: field '{name}' should be a number, got {e.GetRawText()}");
    }

    public bool? OptionalBool(string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        throw new InvalidDataException($"{source}: field '{name}' should be true or false, got {e.GetRawText()}");
    }

    public string? OptionalString(string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    public IReadOnlyList<int> IntOrList(string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return Array.Empty<int>();
        if (e.ValueKind == JsonValueKind.Array) return e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        return new[] { OptionalInt(name)!.Value };
    }

    public void RejectRopeScaling()
    {
        if (!root.TryGetProperty("rope_scaling", out var e) || e.ValueKind == JsonValueKind.Null) return;
        string? type = e.TryGetProperty("rope_type", out var t) ? t.GetString()
            : e.TryGetProperty("type", out var t2) ? t2.GetString() : null;
        if (type is null or "default") return;
        throw new InvalidDataException($"{source}: rope_scaling type '{type}' is not supported");
    }
}
