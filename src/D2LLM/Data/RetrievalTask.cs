using System.IO.Hashing;
using System.Text;

namespace D2LLM.Data;

/// <summary>
/// Any supported data as one retrieval task: a corpus of texts, training queries and held-out test queries, each with
/// its relevant documents (and, for triplets, the negatives the file names). Built from
/// <list type="bullet">
/// <item>a BEIR folder: the corpus; the queries of qrels/train.tsv and qrels/test.tsv (grade &gt; 0 is relevant);</item>
/// <item>a triplet file: the corpus is every distinct positive and negative; each query's pos are relevant, its neg
/// are given negatives;</item>
/// <item>a pair file: the corpus is every distinct second text; text1 is a query, and text2 is relevant when the
/// label is 1 (classification) or at least 80% of the top score (STS: 4 of 5).</item>
/// </list>
/// For files, a stable hash of the query text sends about 10% of queries to the test side (deterministic, and the
/// same query never lands on both sides).
/// </summary>
public sealed class RetrievalTask
{
    private const double HeldOutShare = 0.1;

    private RetrievalTask(string source, IReadOnlyList<string> corpus, IReadOnlyList<string>? corpusIds, List<JudgedQuery> train, List<JudgedQuery> test, bool symmetric = false)
    {
        Source = source;
        Symmetric = symmetric;
        Corpus = corpus;
        CorpusIds = corpusIds ?? Enumerable.Range(0, corpus.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Train = train;
        Test = test;
    }

    public string Source { get; }
    public IReadOnlyList<string> Corpus { get; }
    public IReadOnlyList<string> CorpusIds { get; }
    public IReadOnlyList<JudgedQuery> Train { get; }
    public IReadOnlyList<JudgedQuery> Test { get; }

    /// <summary>
    /// True for sentence pairs (a pair file: paraphrase, NLI or STS), where both sides are texts of one kind and the
    /// student's symmetric IEM branch applies; false for query → document retrieval.
    /// </summary>
    public bool Symmetric { get; }

    /// <summary>True for a corpus without queries: they have to be written (pseudo-queries) before training.</summary>
    public bool NeedsQueries => Train.Count == 0 && Test.Count == 0;

    /// <summary>
    /// A BEIR folder, a triplet file or a pair file, recognised by its shape; or a corpus alone (a folder with only
    /// corpus.jsonl, or a .jsonl file of {"text"} lines), which <see cref="NeedsQueries"/>.
    /// </summary>
    public static RetrievalTask Load(string path)
    {
        if (Directory.Exists(path))
        {
            bool judged = File.Exists(Path.Combine(path, "qrels", "train.tsv")) && Directory.GetFiles(path, "queries*.jsonl").Length > 0;
            return judged ? FromBeir(BeirDataset.Load(path)) : FromCorpusFile(Path.Combine(path, "corpus.jsonl"));
        }

        if (CorpusFile.Recognises(path)) return FromCorpusFile(path);
        if (TripletFile.Recognises(path)) return FromTriplets(path);
        if (PairFile.Recognises(path)) return FromPairs(path);
        throw new FileNotFoundException($"{path}: not a BEIR folder, a triplet file ({{\"query\", \"pos\", \"neg\"}} lines) or a pair file (.tsv, .tsv.gz, .jsonl)", path);
    }

    /// <summary>A corpus without queries (corpus.jsonl lines with _id/title/text, or plain {"text"} lines).</summary>
    public static RetrievalTask FromCorpusFile(string path)
    {
        var items = CorpusFile.Read(path).ToList();
        if (items.Count == 0) throw new InvalidDataException($"{path}: the corpus is empty");
        return new RetrievalTask(path, items.Select(d => d.Text).ToList(), items.Select(d => d.Id).ToList(), new List<JudgedQuery>(), new List<JudgedQuery>());
    }

    /// <summary>This corpus with queries written for its documents (query, relevant document), split as for files.</summary>
    public RetrievalTask WithQueries(IEnumerable<(string Query, int Doc)> queries)
    {
        var grouped = queries.GroupBy(q => q.Query, StringComparer.Ordinal).Select(g => (g.Key, g.Select(x => x.Doc).ToHashSet(), new List<int>()));
        return Split(Source, Corpus, CorpusIds, grouped);
    }

    public static RetrievalTask FromBeir(BeirDataset data)
    {
        List<JudgedQuery> Split(string split) => data.Qrels(split).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new JudgedQuery(e.Key, data.Queries[e.Key], e.Value.Where(j => j.Value > 0).Select(j => data.CorpusIndex[j.Key]).ToHashSet(), Array.Empty<int>()))
            .ToList();
        return new RetrievalTask(data.Directory, data.Corpus.Select(d => d.Text).ToList(), data.Corpus.Select(d => d.Id).ToList(), Split("train"), Split("test"));
    }

    public static RetrievalTask FromTriplets(string path)
    {
        var corpus = new TextSet();
        var queries = new Dictionary<string, (HashSet<int> Positives, List<int> Negatives)>(StringComparer.Ordinal);
        foreach (var t in TripletFile.Read(path))
        {
            if (!queries.TryGetValue(t.Query, out var q)) queries[t.Query] = q = (new HashSet<int>(), new List<int>());
            foreach (var p in t.Positives) q.Positives.Add(corpus.Add(p));
            foreach (var n in t.Negatives) q.Negatives.Add(corpus.Add(n));
        }

        return Split(path, corpus.Texts, null, queries.Select(e => (e.Key, e.Value.Positives, e.Value.Negatives.Where(n => !e.Value.Positives.Contains(n)).Distinct().ToList())));
    }

    public static RetrievalTask FromPairs(string path)
    {
        var pairs = PairFile.Read(path).ToList();
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no labelled pairs");
        double threshold = PairFile.IsClassification(pairs, path) ? 1 : 0.8 * pairs.Max(p => p.Label);
        var corpus = new TextSet();
        var queries = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            int doc = corpus.Add(p.Text2);
            if (!queries.TryGetValue(p.Text1, out var positives)) queries[p.Text1] = positives = new HashSet<int>();
            if (p.Label >= threshold) positives.Add(doc);
        }

        return Split(path, corpus.Texts, null, queries.Where(e => e.Value.Count > 0).Select(e => (e.Key, e.Value, new List<int>())), symmetric: true);
    }

    private static RetrievalTask Split(string path, IReadOnlyList<string> corpus, IReadOnlyList<string>? corpusIds, IEnumerable<(string Query, HashSet<int> Positives, List<int> Negatives)> queries, bool symmetric = false)
    {
        var train = new List<JudgedQuery>();
        var test = new List<JudgedQuery>();
        foreach (var (query, positives, negatives) in queries)
        {
            string id = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(query)).ToString("x16");
            var judged = new JudgedQuery(id, query, positives, negatives);
            (HeldOut(id) ? test : train).Add(judged);
        }

        if (train.Count == 0) throw new InvalidDataException($"{path}: no query with a relevant text to train on");
        return new RetrievalTask(path, corpus, corpusIds, train, test, symmetric);
    }

    private static bool HeldOut(string hashId) => Convert.ToUInt64(hashId, 16) % 1000 < HeldOutShare * 1000;

    /// <summary>Distinct texts in order of first appearance.</summary>
    private sealed class TextSet
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        public List<string> Texts { get; } = new();

        public int Add(string text)
        {
            if (_index.TryGetValue(text, out int i)) return i;
            _index[text] = Texts.Count;
            Texts.Add(text);
            return Texts.Count - 1;
        }
    }
}
