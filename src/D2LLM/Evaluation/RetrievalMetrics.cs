namespace D2LLM.Evaluation;

/// <summary>
/// BEIR retrieval metrics with pytrec_eval's conventions: a run is ranked by score descending, ties broken by
/// document id descending; gain is the relevance grade (nDCG), relevant means grade &gt; 0; judged documents absent
/// from the corpus still count as relevant (they just cannot be retrieved); a query with no relevant document
/// scores 0. Each metric is the mean over the judged queries.
/// </summary>
public static class RetrievalMetrics
{
    public static Dictionary<string, double> Compute(
        IReadOnlyDictionary<string, Dictionary<string, int>> qrels,
        IReadOnlyDictionary<string, IReadOnlyList<(string Doc, double Score)>> run)
    {
        var totals = new Dictionary<string, double> { ["ndcg@10"] = 0, ["mrr@10"] = 0, ["recall@10"] = 0, ["recall@100"] = 0, ["map"] = 0 };
        foreach (var (query, judged) in qrels)
        {
            var ranked = run.TryGetValue(query, out var hits)
                ? hits.OrderByDescending(h => h.Score).ThenByDescending(h => h.Doc, StringComparer.Ordinal).Select(h => h.Doc).ToList()
                : new List<string>();
            int relevant = judged.Count(j => j.Value > 0);
            int Grade(string doc) => judged.TryGetValue(doc, out int g) ? g : 0;

            double dcg = 0;
            for (int i = 0; i < Math.Min(10, ranked.Count); i++) dcg += Grade(ranked[i]) / Math.Log2(i + 2);
            var ideal = judged.Values.Where(g => g > 0).OrderByDescending(g => g).Take(10).ToList();
            double idcg = ideal.Select((g, i) => g / Math.Log2(i + 2)).Sum();
            totals["ndcg@10"] += idcg > 0 ? dcg / idcg : 0;

            int first = ranked.Take(10).ToList().FindIndex(d => Grade(d) > 0);
            totals["mrr@10"] += first >= 0 ? 1.0 / (first + 1) : 0;
            totals["recall@10"] += relevant > 0 ? ranked.Take(10).Count(d => Grade(d) > 0) / (double)relevant : 0;
            totals["recall@100"] += relevant > 0 ? ranked.Take(100).Count(d => Grade(d) > 0) / (double)relevant : 0;

            double precisionSum = 0;
            int found = 0;
            for (int i = 0; i < ranked.Count; i++)
            {
                if (Grade(ranked[i]) <= 0) continue;
                found++;
                precisionSum += found / (double)(i + 1);
            }

            totals["map"] += relevant > 0 ? precisionSum / relevant : 0;
        }

        int n = Math.Max(qrels.Count, 1);
        return totals.ToDictionary(e => e.Key, e => e.Value / n);
    }
}
