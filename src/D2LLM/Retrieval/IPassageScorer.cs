namespace D2LLM.Retrieval;

/// <summary>
/// Scores candidate passages for a query, higher meaning more relevant: the one shape of both rerankers — the D2LLM
/// student (IEM over embeddings) and the cross-encoder student — that evaluation and the M.E.AI reranker build on.
/// </summary>
public interface IPassageScorer
{
    float[] Score(string query, IReadOnlyList<string> passages);
}
