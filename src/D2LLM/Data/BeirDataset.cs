using System.Text.Json;

namespace D2LLM.Data;

/// <summary>A text with its id (a corpus document or a query).</summary>
public sealed record TextItem(string Id, string Text);

/// <summary>
/// A BEIR folder: <c>corpus.jsonl</c> (_id, title, text), <c>queries.jsonl</c> (_id, text) and
/// <c>qrels/&lt;split&gt;.tsv</c> (query-id, corpus-id, score, with a header). Bad lines fail with file, line and field.
/// </summary>
public sealed class BeirDataset
{
    private BeirDataset(string directory, List<TextItem> corpus, Dictionary<string, string> queries)
    {
        Directory = directory;
        Corpus = corpus;
        Queries = queries;
        CorpusIndex = corpus.Select((d, i) => (d.Id, i)).ToDictionary(x => x.Id, x => x.i);
    }

    public string Directory { get; }
    public IReadOnlyList<TextItem> Corpus { get; }
    public IReadOnlyDictionary<string, string> Queries { get; }
    public IReadOnlyDictionary<string, int> CorpusIndex { get; }

    public static BeirDataset Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: data folder not found");
        var corpus = new List<TextItem>();
        foreach (var (line, e, path) in JsonLines(Path.Combine(directory, "corpus.jsonl")))
        {
            string id = Field(e, "_id", path, line);
            string title = e.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            string text = Field(e, "text", path, line);
            corpus.Add(new TextItem(id, title.Length > 0 ? title + " " + text : text));
        }

        var queries = new Dictionary<string, string>();
        foreach (var (line, e, path) in JsonLines(Path.Combine(directory, "queries.jsonl")))
            queries[Field(e, "_id", path, line)] = Field(e, "text", path, line);
        return new BeirDataset(directory, corpus, queries);
    }

    /// <summary>Relevance judgements of a split: query id → (corpus id → grade).</summary>
    public Dictionary<string, Dictionary<string, int>> Qrels(string split)
    {
        string path = Path.Combine(Directory, "qrels", split + ".tsv");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no qrels for split '{split}'", path);
        var qrels = new Dictionary<string, Dictionary<string, int>>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (number == 1 && line.StartsWith("query-id", StringComparison.Ordinal) || line.Length == 0) continue;
            var parts = line.Split('\t');
            if (parts.Length < 3 || !int.TryParse(parts[2], out int grade))
                throw new InvalidDataException($"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score");
            if (!qrels.TryGetValue(parts[0], out var docs)) qrels[parts[0]] = docs = new Dictionary<string, int>();
            docs[parts[1]] = grade;
        }

        return qrels;
    }

    private static IEnumerable<(int Line, JsonElement Json, string Path)> JsonLines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{number}: not valid JSON ({ex.Message})");
            }

            yield return (number, e, path);
        }
    }

    private static string Field(JsonElement e, string name, string path, int line) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{path}:{line}: field \"{name}\" is missing or not a string");
}
