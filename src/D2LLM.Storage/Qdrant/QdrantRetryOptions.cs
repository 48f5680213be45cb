namespace D2LLM.Storage.Qdrant;

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
