using Microsoft.Extensions.AI;

namespace D2LLM.Storage.Qdrant;

/// <summary>Options of a <see cref="QdrantVectorStore"/>.</summary>
public sealed class QdrantVectorStoreOptions
{
    /// <summary>The embedding generator every collection of the store uses unless its definition or vector property names another.</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>
    /// Store vectors as named vectors even when a record has only one (default: unnamed for one vector, named by storage
    /// name otherwise, as the CommunityToolkit Qdrant connector lays points out).
    /// </summary>
    public bool AlwaysNamedVectors { get; set; }

    /// <summary>How failed calls are retried (transient gRPC failures only).</summary>
    public QdrantRetryOptions Retry { get; set; } = new();
}
