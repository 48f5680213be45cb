using System.IO.Compression;
using System.Text.Json;

namespace D2LLM.Data;

/// <summary>
/// Line-by-line reading of data files (plain or .gz), streaming: JSON Lines objects and tab-separated rows, each
/// with its 1-based line number so that a bad line is reported as <c>file:line: field "…" …</c>.
/// </summary>
internal static class DataLines
{
    /// <summary>Non-blank lines of a file, decompressed when its name ends in .gz.</summary>
    public static IEnumerable<(int Line, string Text)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var stream = File.OpenRead(path);
        using var reader = new Utf8LineReader(path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream, path);
        while (reader.ReadLine() is { } line)
            if (!string.IsNullOrWhiteSpace(line)) yield return (reader.Number, line);
    }

    /// <summary>Each non-blank line parsed as a JSON object.</summary>
    public static IEnumerable<(int Line, JsonElement Json)> ReadJson(string path)
    {
        foreach (var (number, line) in Read(path))
        {
            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException ex)
            {
                throw new DataLineException(path, number, $"not valid JSON ({ex.Message})");
            }

            if (e.ValueKind != JsonValueKind.Object) throw new DataLineException(path, number, $"expected a JSON object");
            yield return (number, e);
        }
    }

    /// <summary>A required string field.</summary>
    public static string String(JsonElement e, string name, string path, int line) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? Text(v, path, line, name)
            : throw new DataLineException(path, line, $"field \"{name}\" is missing or not a string");

    /// <summary>A JSON string's text; a lone surrogate escape (\ud800), which is no text at all, is an error naming the line.</summary>
    public static string Text(JsonElement value, string path, int line, string? field = null)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new DataLineException(path, line, $"{(field is null ? "a field" : $"field \"{field}\"")} holds a lone surrogate escape, which is not text");
        }
    }

    /// <summary>The first of several accepted names present on the object, or null.</summary>
    public static string? FirstPresent(JsonElement e, IEnumerable<string> names) => names.FirstOrDefault(n => e.TryGetProperty(n, out _));

    /// <summary>A field holding a string or an array of strings, as a list.</summary>
    public static List<string> Strings(JsonElement e, string name, string path, int line)
    {
        if (!e.TryGetProperty(name, out var v)) throw new DataLineException(path, line, $"field \"{name}\" is missing");
        if (v.ValueKind == JsonValueKind.String) return new List<string> { v.GetString()! };
        if (v.ValueKind != JsonValueKind.Array) throw new DataLineException(path, line, $"field \"{name}\" must be a string or an array of strings");
        var result = new List<string>();
        foreach (var item in v.EnumerateArray())
            result.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new DataLineException(path, line, $"field \"{name}\" holds a non-string element"));
        return result;
    }
}
