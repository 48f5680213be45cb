using D2LLM.Evaluation;

namespace D2LLM.Tests;

public class RetrievalMetricTests
{
    private static IReadOnlyDictionary<string, IReadOnlyList<(string Doc, double Score)>> Run(params (string Query, (string, double)[] Hits)[] entries) =>
        entries.ToDictionary(e => e.Query, e => (IReadOnlyList<(string, double)>)e.Hits);

    [Fact]
    public void OneQuery_HandComputed()
    {
        // Ranking d3 (grade 0), d1 (grade 2), d9 (unjudged), d2 (grade 1); relevant: d1, d2.
        var qrels = new Dictionary<string, Dictionary<string, int>> { ["q"] = new() { ["d1"] = 2, ["d2"] = 1, ["d3"] = 0 } };
        var m = RetrievalMetrics.Compute(qrels, Run(("q", new[] { ("d3", 4.0), ("d1", 3.0), ("d9", 2.0), ("d2", 1.0) })));
        double dcg = 2 / Math.Log2(3) + 1 / Math.Log2(5), idcg = 2 / Math.Log2(2) + 1 / Math.Log2(3);
        Assert.Equal(dcg / idcg, m["ndcg@10"], 10);
        Assert.Equal(0.5, m["mrr@10"], 10);
        Assert.Equal(1.0, m["recall@10"], 10);
        Assert.Equal((1 / 2.0 + 2 / 4.0) / 2, m["map"], 10);
    }

    [Fact]
    public void Ties_BreakByDocumentIdDescending()
    {
        // Equal scores: "b" ranks before "a" (trec_eval order), so the relevant "a" is second.
        var qrels = new Dictionary<string, Dictionary<string, int>> { ["q"] = new() { ["a"] = 1 } };
        var m = RetrievalMetrics.Compute(qrels, Run(("q", new[] { ("a", 1.0), ("b", 1.0) })));
        Assert.Equal(0.5, m["mrr@10"], 10);
        Assert.Equal(1 / Math.Log2(3), m["ndcg@10"], 10);
    }

    [Fact]
    public void QueriesWithoutRelevantDocuments_AndMissingDocuments()
    {
        // q1 has only a grade-0 judgement: every metric 0. q2's second relevant document is not in the corpus,
        // so it can never be retrieved but still counts: recall 1/2.
        var qrels = new Dictionary<string, Dictionary<string, int>>
        {
            ["q1"] = new() { ["d1"] = 0 },
            ["q2"] = new() { ["d2"] = 1, ["gone"] = 1 },
        };
        var m = RetrievalMetrics.Compute(qrels, Run(("q1", new[] { ("d1", 1.0) }), ("q2", new[] { ("d2", 1.0) })));
        Assert.Equal((0 + 0.5) / 2, m["recall@10"], 10);
        Assert.Equal((0 + 1.0) / 2, m["mrr@10"], 10);
        Assert.Equal((0 + 1 / (1 + 1 / Math.Log2(3))) / 2, m["ndcg@10"], 10);
        Assert.Equal((0 + 0.5) / 2, m["map"], 10);
        Assert.Equal(0, RetrievalMetrics.Compute(qrels, Run())["ndcg@10"]);
    }
}
