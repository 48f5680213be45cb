using D2LLM.Storage.Text;

namespace D2LLM.Mining;

/// <summary>BM25 (<see cref="Bm25Index"/>, the keyword index the embedded store's hybrid search also uses) as a first-stage retriever.</summary>
public sealed class Bm25Candidates(IReadOnlyList<string> documents, double k1 = 0.9, double b = 0.4) : ICandidateSource
{
    public Bm25Index Index { get; } = new(documents, k1, b);

    public List<(int Doc, float Score)> Search(string query, int top, ISet<int>? exclude = null) => Index.Search(query, top, exclude);
}
