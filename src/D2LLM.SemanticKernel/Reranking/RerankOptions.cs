using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>What a caller already knows about a reranking request, so the reranker need not compute it again.</summary>
public sealed class RerankOptions
{
    /// <summary>The query's embedding, computed by <see cref="VectorsFrom"/> in query mode.</summary>
    public ReadOnlyMemory<float>? QueryVector { get; set; }

    /// <summary>
    /// The generator that made <see cref="QueryVector"/> and the chunks' vectors. A reranker uses them only when they are
    /// its own model's (the IEM scores its student's embeddings; vectors of another model of the same size would be noise).
    /// </summary>
    public IEmbeddingGenerator? VectorsFrom { get; set; }
}
