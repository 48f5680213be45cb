using D2LLM.CrossEncoder;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The cross-encoder student as a reranker: every (query, chunk) pair through the backbone and its head (vectors are
/// not used). With ownsModel, disposing the reranker disposes the model, once a running call is done.
/// </summary>
public sealed class CrossEncoderReranker : IReranker, IDisposable
{
    private readonly CrossEncoderModel _model;
    private readonly bool _ownsModel;
    private readonly RerankerTurns _turns;

    public CrossEncoderReranker(CrossEncoderModel model, bool ownsModel = false)
    {
        (_model, _ownsModel) = (model, ownsModel);
        _turns = new RerankerTurns(this);
    }

    public void Dispose() => _turns.Close(_ownsModel ? _model.Dispose : null);

    public Task<IReadOnlyList<RetrievalChunk>> RerankAsync(string query, IReadOnlyList<RetrievalChunk> chunks, RerankOptions? options = null,
        CancellationToken cancellationToken = default) =>
        _turns.OrderAsync(chunks, () => _model.Score(query, chunks.Select(c => c.Content).ToList()), cancellationToken);
}
