using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Qdrant;

/// <summary>Options of a <see cref="QdrantCollection{TKey, TRecord}"/>: VectorData's definition and embedding generator, and the point layout.</summary>
public sealed class QdrantCollectionOptions : VectorStoreCollectionOptions
{
    /// <inheritdoc cref="QdrantVectorStoreOptions.AlwaysNamedVectors"/>
    public bool AlwaysNamedVectors { get; set; }

    /// <inheritdoc cref="QdrantVectorStoreOptions.Retry"/>
    public QdrantRetryOptions Retry { get; set; } = new();
}
