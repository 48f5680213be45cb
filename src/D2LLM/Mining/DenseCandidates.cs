using D2LLM.Retrieval;

namespace D2LLM.Mining;

/// <summary>Dense first-stage retrieval: the query embedded by the same encoder as the corpus, exact cosine search.</summary>
public sealed class DenseCandidates(IDenseEncoder encoder, DenseIndex index) : ICandidateSource
{
    /// <summary>Embeds the corpus (reporting documents done) and wraps it for search.</summary>
    public static DenseCandidates Build(IDenseEncoder encoder, IReadOnlyList<string> corpus, Action<int, int>? progress = null) =>
        new(encoder, DenseIndex.Build(encoder, corpus, progress: progress));

    public List<(int Doc, float Score)> Search(string query, int top, ISet<int>? exclude = null) =>
        index.Search(encoder.Embed(new[] { query }), top, exclude);
}
