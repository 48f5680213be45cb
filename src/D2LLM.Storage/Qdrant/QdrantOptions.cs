namespace D2LLM.Storage.Qdrant;

/// <summary>How to reach a Qdrant server (≥ 1.10, REST) and how its collections are created.</summary>
public sealed class QdrantOptions
{
    /// <summary>The server, e.g. http://localhost:6333 (HTTPS works the same).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Sent as the api-key header when set.</summary>
    public string? ApiKey { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt for 429, 5xx, timeouts and dropped connections (exponential backoff).</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upserts are split so that no request body exceeds this (Qdrant's default limit is 32 MB).</summary>
    public int MaxRequestBytes { get; init; } = 32 * 1024 * 1024 - 64 * 1024;

    /// <summary>HNSW graph degree and build depth for new collections (null: the server's defaults).</summary>
    public int? HnswM { get; init; }

    public int? HnswEfConstruct { get; init; }

    /// <summary>Keep the vectors of new collections on disk (memory-mapped) rather than in RAM.</summary>
    public bool OnDiskVectors { get; init; }
}

/// <summary>Qdrant answered with an error, or could not be reached after the retries.</summary>
public sealed class QdrantException(string message, int? status = null) : Exception(message)
{
    public int? Status { get; } = status;
}
