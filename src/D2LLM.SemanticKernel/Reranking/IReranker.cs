namespace D2LLM.SemanticKernel;

/// <summary>Reorders chunks for a query, most relevant first, with their scores set (dotnet/extensions #7507's IReranker).</summary>
public interface IReranker
{
    Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, RerankOptions? options = null,
        CancellationToken cancellationToken = default);
}
