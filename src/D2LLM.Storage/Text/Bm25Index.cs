namespace D2LLM.Storage.Text;

/// <summary>
/// Okapi BM25 over an in-memory inverted index (Lucene's idf): for query terms t,
///   score(d) = Σ_t idf(t)·tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl)),  idf = ln(1 + (N − df + 0.5)/(df + 0.5)).
/// Defaults k1 = 0.9, b = 0.4 (Anserini's, used for BEIR). Ties break by document order: deterministic.
/// </summary>
public sealed class Bm25Index
{
    private readonly Dictionary<string, List<(int Doc, int Tf)>> _postings = new(StringComparer.Ordinal);
    private readonly int[] _lengths;
    private readonly double _averageLength;

    public Bm25Index(IReadOnlyList<string> documents, double k1 = 0.9, double b = 0.4)
    {
        K1 = k1;
        B = b;
        _lengths = new int[documents.Count];
        for (int d = 0; d < documents.Count; d++)
        {
            var terms = KeywordAnalyzer.Terms(documents[d]);
            _lengths[d] = terms.Count;
            foreach (var group in terms.GroupBy(t => t, StringComparer.Ordinal))
            {
                if (!_postings.TryGetValue(group.Key, out var list)) _postings[group.Key] = list = new List<(int, int)>();
                list.Add((d, group.Count()));
            }
        }

        _averageLength = documents.Count == 0 ? 0 : _lengths.Average();
    }

    public double K1 { get; }
    public double B { get; }
    public int Count => _lengths.Length;

    /// <summary>The top documents for a query, best first, skipping <paramref name="exclude"/>.</summary>
    public List<(int Doc, float Score)> Search(string query, int top, ISet<int>? exclude = null)
    {
        var scores = new float[_lengths.Length];
        var touched = new List<int>();
        foreach (var term in KeywordAnalyzer.Terms(query))
        {
            if (!_postings.TryGetValue(term, out var postings)) continue;
            double idf = Idf(postings);
            foreach (var (doc, tf) in postings)
            {
                if (scores[doc] == 0) touched.Add(doc);
                scores[doc] += Weight(idf, tf, doc);
            }
        }

        return touched.Where(d => exclude is null || !exclude.Contains(d))
            .OrderByDescending(d => scores[d]).ThenBy(d => d)
            .Take(top).Select(d => (d, scores[d])).ToList();
    }

    /// <summary>The BM25 score of one document for a query (0 when they share no term); postings are in document order, so each term is a binary search.</summary>
    public float Score(string query, int doc)
    {
        float score = 0;
        foreach (var term in KeywordAnalyzer.Terms(query))
        {
            if (!_postings.TryGetValue(term, out var postings)) continue;
            int at = postings.BinarySearch((doc, 0), PostingOrder.Instance);
            if (at >= 0) score += Weight(Idf(postings), postings[at].Tf, doc);
        }

        return score;
    }

    private double Idf(List<(int Doc, int Tf)> postings) => Math.Log(1 + (Count - postings.Count + 0.5) / (postings.Count + 0.5));

    private float Weight(double idf, int tf, int doc) => (float)(idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * _lengths[doc] / _averageLength)));

    private sealed class PostingOrder : IComparer<(int Doc, int Tf)>
    {
        public static readonly PostingOrder Instance = new();

        public int Compare((int Doc, int Tf) x, (int Doc, int Tf) y) => x.Doc.CompareTo(y.Doc);
    }
}
