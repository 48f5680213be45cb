using System.Text.Json;
using System.Text.Json.Nodes;
using D2LLM.SemanticKernel;
using Microsoft.Extensions.VectorData;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary>
/// A document to index: its id, text (title first, when there is one), other fields (strings, integers, numbers,
/// booleans, lists of strings) and where it came from. Stored as a <see cref="MemoryRecord"/> plus its fields.
/// </summary>
internal sealed record IndexedDocument(string Id, string Text, Dictionary<string, object?> Fields, string Where)
{
    /// <summary>Field names the record itself uses.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "id", "_id", "text", "embedding", "Key", "Id", "Text", "Embedding" };

    /// <summary>Documents of a JSON Lines file, a BEIR folder or a folder of text files.</summary>
    public static IEnumerable<IndexedDocument> Read(string input)
    {
        if (Directory.Exists(input))
        {
            if (File.Exists(Path.Combine(input, "corpus.jsonl"))) return FromJsonLines(Path.Combine(input, "corpus.jsonl"));
            var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new FileNotFoundException($"{input}: no corpus.jsonl and no .txt or .md files");
            return files.Select(f => Path.GetRelativePath(input, f)).Select(id =>
                Create(id, File.ReadAllText(Path.Combine(input, id)), new Dictionary<string, object?> { ["path"] = id }, $"{input}/{id}"));
        }

        return FromJsonLines(input);
    }

    /// <summary>
    /// The collection's definition: the memory record's properties, then one data property per field the documents
    /// carry, typed by their values (integers widen to numbers; other mixtures are an error naming the line). Two
    /// documents with one id are an error naming both (the second would replace the first; a document without an id
    /// takes its line number, which may be another's id).
    /// </summary>
    public static VectorStoreCollectionDefinition Definition(IEnumerable<IndexedDocument> documents, int dimensions)
    {
        var types = new Dictionary<string, (Type Type, string Where)>(StringComparer.Ordinal);
        var ids = new Dictionary<Guid, string>();
        foreach (var d in documents)
        {
            if (!ids.TryAdd(MemoryRecord.KeyOf(d.Id), d.Where))
                throw new InvalidDataException($"{d.Where}: id \"{d.Id}\" is also the id of the document at {ids[MemoryRecord.KeyOf(d.Id)]} (one would replace the other)");
            foreach (var (name, value) in d.Fields)
            {
                if (value is null) continue;
                var type = value.GetType() == typeof(List<string>) ? typeof(List<string>) : value.GetType();
                if (!types.TryGetValue(name, out var seen)) types[name] = (type, d.Where);
                else if (seen.Type != type)
                    types[name] = (seen.Type, type) switch
                    {
                        var (a, b) when (a == typeof(long) || a == typeof(double)) && (b == typeof(long) || b == typeof(double)) => (typeof(double), seen.Where),
                        _ => throw new InvalidDataException($"{d.Where}: field \"{name}\" is a {Kind(type)} here but a {Kind(seen.Type)} at {seen.Where}"),
                    };
            }
        }

        var definition = MemoryRecord.Definition(dimensions);
        foreach (var (name, (type, _)) in types.OrderBy(t => t.Key, StringComparer.Ordinal)) definition.Properties.Add(new VectorStoreDataProperty(name, type));
        return definition;
    }

    /// <summary>The dynamic record of this document with its embedding.</summary>
    public Dictionary<string, object?> Record(ReadOnlyMemory<float> embedding)
    {
        var record = new Dictionary<string, object?>(Fields, StringComparer.Ordinal)
        {
            ["Key"] = MemoryRecord.KeyOf(Id), ["Id"] = Id, ["Text"] = Text, ["Embedding"] = embedding,
        };
        return record;
    }

    private static IEnumerable<IndexedDocument> FromJsonLines(string path)
    {
        using var lines = new JsonLines(path, null);
        foreach (var (line, json) in lines.Read())
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, node) in json)
            {
                if (name is "text" or "_id" or "id" || node is null) continue;
                if (Reserved.Contains(name)) throw new DataLineException(path, line, $"field \"{name}\" is reserved (the record's own fields are id, text and embedding)");
                fields[name] = FieldValue(node) ?? throw new DataLineException(path, line, $"field \"{name}\" must be a string, number, boolean or list of strings to be stored");
            }

            string id = json["_id"]?.ToString() ?? json["id"]?.ToString() ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string text = lines.RequireString(json, line, "text");
            if (fields.TryGetValue("title", out var title) && title is string { Length: > 0 } t) text = t + " " + text;
            yield return Create(id, text, fields, $"{path}:{line}");
        }
    }

    private static object? FieldValue(JsonNode node)
    {
        var e = JsonSerializer.SerializeToElement(node);
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => e.EnumerateArray().Select(x => x.GetString()!).ToList(),
            _ => null,
        };
    }

    private static string Kind(Type type) =>
        type == typeof(string) ? "string" : type == typeof(bool) ? "boolean" : type == typeof(List<string>) ? "list of strings" : "number";

    private static IndexedDocument Create(string id, string text, Dictionary<string, object?> fields, string where) =>
        string.IsNullOrWhiteSpace(text) ? throw new InvalidDataException($"{where}: the document's text is empty") : new IndexedDocument(id, text, fields, where);
}
