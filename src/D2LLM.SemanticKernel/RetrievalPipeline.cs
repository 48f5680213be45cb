using D2LLM.Storage;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>Options of <see cref="RetrievalPipeline"/>.</summary>
public sealed class RetrievalOptions
{
    /// <summary>Candidates taken from the store before reranking (rerank the wide pool, not the truncated top).</summary>
    public int Candidates { get; set; } = 50;

    /// <summary>Results returned after reranking.</summary>
    public int Top { get; set; } = 5;

    public VectorFilter? Filter { get; set; }
}

/// <summary>One result of the pipeline: the stored record's id, score, text and metadata.</summary>
public sealed record RetrievalHit(string Id, double Score, string Text, IReadOnlyDictionary<string, object?> Metadata);

/// <summary>
/// Embed the query (query mode) → top N from the store → rerank (IEM over the stored vectors, or a cross-encoder)
/// → top k, with scores, text and metadata. Saving embeds in passage mode and upserts under a key made from the id.
/// </summary>
public sealed class RetrievalPipeline(IEmbeddingGenerator<string, Embedding<float>> embeddings, IVectorCollection collection, IReranker? reranker = null,
    RetrievalOptions? options = null)
{
    private static readonly EmbeddingGenerationOptions QueryMode = new() { AdditionalProperties = new() { [D2LlmEmbeddingOptions.InputKindKey] = "query" } };
    private static readonly EmbeddingGenerationOptions PassageMode = new() { AdditionalProperties = new() { [D2LlmEmbeddingOptions.InputKindKey] = "passage" } };

    public RetrievalOptions Options { get; } = options ?? new RetrievalOptions();
    public IVectorCollection Collection { get; } = collection;

    public async Task<IReadOnlyList<RetrievalHit>> SearchAsync(string query, int? top = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        int k = Math.Max(1, top ?? Options.Top);
        var vector = (await embeddings.GenerateAsync(new[] { query }, QueryMode.Clone(), cancellationToken))[0].Vector.ToArray();
        var hits = await Collection.SearchAsync(vector, new VectorSearchOptions
        {
            Top = reranker is null ? k : Math.Max(k, Options.Candidates), Filter = Options.Filter, IncludeVectors = reranker is not null,
        }, cancellationToken);
        var chunks = hits.Select(h => new RetrievalChunk(h.Record.Text, h.Record.Metadata, h.Record.Vector) { Score = h.Score }).ToList();
        var ranked = reranker is null ? chunks : await reranker.RerankAsync(query, chunks, cancellationToken);
        return ranked.Take(k).Select(c => new RetrievalHit(c.Record.TryGetValue("id", out var id) ? id?.ToString() ?? "" : "", c.Score, c.Content, c.Record)).ToList();
    }

    /// <summary>Stores a text (replacing the record of the same id); returns the id.</summary>
    public async Task<string> SaveAsync(string text, string? id = null, IReadOnlyDictionary<string, object?>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        id ??= Guid.NewGuid().ToString("N");
        var vector = (await embeddings.GenerateAsync(new[] { text }, PassageMode.Clone(), cancellationToken))[0].Vector.ToArray();
        var fields = new Dictionary<string, object?>(metadata ?? new Dictionary<string, object?>()) { ["id"] = id };
        await Collection.UpsertAsync(new[] { new VectorRecord(VectorKey.From(id), text, fields, vector) }, cancellationToken);
        return id;
    }
}
