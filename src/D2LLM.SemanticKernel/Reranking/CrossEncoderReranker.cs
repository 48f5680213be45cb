using D2LLM.CrossEncoder;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The cross-encoder student as a reranker: every (query, chunk) pair through the backbone and its head (vectors are
/// not used). With <paramref name="ownsModel"/>, disposing the reranker disposes the model.
/// </summary>
public sealed class CrossEncoderReranker(CrossEncoderModel model, bool ownsModel = false) : IReranker, IDisposable
{
    private readonly RerankerTurns _turns = new();

    public void Dispose()
    {
        if (ownsModel) model.Dispose();
        _turns.Dispose();
    }

    public Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, RerankOptions? options = null,
        CancellationToken cancellationToken = default) =>
        _turns.OrderAsync(chunks, () => model.Score(query, chunks.Select(c => c.Content).ToList()), cancellationToken);
}
