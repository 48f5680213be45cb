using System.Globalization;
using System.Text.Json;

namespace D2LLM.Data;

/// <summary>
/// Documents from a JSON Lines file ({"id"|"_id", "text", "title"?, other fields}; a line without an id takes its line
/// number), a BEIR folder (its corpus.jsonl) or a folder of .txt/.md files (id: the relative path). Streams; a bad
/// line or an empty text is an error naming it.
/// </summary>
public static class DocumentSource
{
    public static IEnumerable<Document> Read(string input)
    {
        if (!Directory.Exists(input)) return FromJsonLines(input);
        if (File.Exists(Path.Combine(input, "corpus.jsonl"))) return FromJsonLines(Path.Combine(input, "corpus.jsonl"));
        var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"{input}: no corpus.jsonl and no .txt or .md files");
        return files.Select(f => Path.GetRelativePath(input, f)).Select(id =>
            Create(id, File.ReadAllText(Path.Combine(input, id)), new Dictionary<string, object?> { ["path"] = id }, $"{input}/{id}", null));
    }

    private static IEnumerable<Document> FromJsonLines(string path)
    {
        foreach (var (line, json) in DataLines.ReadJson(path))
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in json.EnumerateObject())
            {
                if (property.Name is "text" or "_id" or "id" || property.Value.ValueKind == JsonValueKind.Null) continue;
                fields[property.Name] = FieldValue(property.Value, path, line)
                    ?? throw new DataLineException(path, line, $"field \"{property.Name}\" must be a string, number, boolean or list of strings to be stored");
            }

            string id = Id(json, "_id") ?? Id(json, "id") ?? line.ToString(CultureInfo.InvariantCulture);
            string text = DataLines.String(json, "text", path, line);
            if (fields.TryGetValue("title", out var title) && title is string { Length: > 0 } t) text = t + " " + text;
            yield return Create(id, text, fields, path, line);
        }
    }

    private static string? Id(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    private static object? FieldValue(JsonElement e, string path, int line) => e.ValueKind switch
    {
        JsonValueKind.String => DataLines.Text(e, path, line),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(), // an integer stays an integer
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => e.EnumerateArray().Select(x => DataLines.Text(x, path, line)).ToList(),
        _ => null,
    };

    private static Document Create(string id, string text, Dictionary<string, object?> fields, string source, int? line) =>
        string.IsNullOrWhiteSpace(text)
            ? throw (line is int l ? new DataLineException(source, l, "the document's text is empty") : new InvalidDataException($"{source}: the document's text is empty"))
            : new Document(id, text, fields, source, line);
}
