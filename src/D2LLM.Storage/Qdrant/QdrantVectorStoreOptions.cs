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

/// <summary>
/// Retries of transient Qdrant failures (gRPC Unavailable, DeadlineExceeded, ResourceExhausted, Aborted): exponential
/// backoff with jitter. Every call the store makes is idempotent (upserts and deletes by key), so a retry after an
/// unanswered write cannot duplicate anything.
/// </summary>
public sealed class QdrantRetryOptions
{
    /// <summary>Retries after the first attempt (0: none).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; each later one doubles.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(200);
}
