namespace D2LLM.Data;

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
        var corpus = CorpusFile.Read(Path.Combine(directory, "corpus.jsonl"), requireIds: true).ToList();
        if (corpus.Count == 0) throw new InvalidDataException($"{Path.Combine(directory, "corpus.jsonl")}: holds no documents");
        var queries = new Dictionary<string, string>();
        // queries.jsonl, plus split-specific files such as SciFact's queries-train.jsonl.
        var queryFiles = System.IO.Directory.GetFiles(directory, "queries*.jsonl").Order(StringComparer.Ordinal).ToList();
        if (queryFiles.Count == 0) throw new FileNotFoundException($"{Path.Combine(directory, "queries.jsonl")}: file not found");
        foreach (var queriesPath in queryFiles)
        {
            foreach (var (line, e) in DataLines.ReadJson(queriesPath))
                queries[DataLines.String(e, "_id", queriesPath, line)] = DataLines.String(e, "text", queriesPath, line);
        }

        if (queries.Count == 0) throw new InvalidDataException($"{string.Join(", ", queryFiles)}: hold no queries (a folder without queries files is a corpus to write queries for)");
        return new BeirDataset(directory, corpus, queries);
    }

    /// <summary>
    /// Relevance judgements of a split: query id → (corpus id → grade). A judgement naming a query or document the
    /// folder does not hold is an error naming its line: dropped, it would turn a true positive into a "negative".
    /// </summary>
    public Dictionary<string, Dictionary<string, int>> Qrels(string split)
    {
        string path = Path.Combine(Directory, "qrels", split + ".tsv");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no qrels for split '{split}'", path);
        var qrels = new Dictionary<string, Dictionary<string, int>>();
        foreach (var (number, line) in DataLines.Read(path))
        {
            if (number == 1 && line.StartsWith("query-id", StringComparison.Ordinal)) continue;
            var parts = line.Split('\t');
            if (parts.Length < 3 || !int.TryParse(parts[2], out int grade))
                throw new DataLineException(path, number, $"expected query-id<TAB>corpus-id<TAB>score");
            if (!Queries.ContainsKey(parts[0])) throw new DataLineException(path, number, $"query-id \"{parts[0]}\" is not in the folder's queries");
            if (!CorpusIndex.ContainsKey(parts[1])) throw new DataLineException(path, number, $"corpus-id \"{parts[1]}\" is not in corpus.jsonl");
            if (!qrels.TryGetValue(parts[0], out var docs)) qrels[parts[0]] = docs = new Dictionary<string, int>();
            docs[parts[1]] = grade;
        }

        return qrels;
    }
}
