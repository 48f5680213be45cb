namespace D2LLM.Mining;

/// <summary>A first-stage retriever over a fixed corpus: the top documents for a query text, best first.</summary>
public interface ICandidateSource
{
    List<(int Doc, float Score)> Search(string query, int top, ISet<int>? exclude = null);
}
