using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel;

/// <summary>A retrieval pipeline over a collection of <see cref="MemoryRecord"/>s: what the memory tools, the quickstart and <c>d2llm search</c> use.</summary>
public static class MemoryPipeline
{
    private static readonly EmbeddingGenerationOptions PassageMode = new() { AdditionalProperties = new() { [D2LlmEmbeddingOptions.InputKindKey] = "passage" } };

    /// <summary>
    /// The pipeline over <paramref name="collectionName"/> of <paramref name="store"/>, its vector size the generator's (from
    /// its metadata). The collection is created, if missing, on the pipeline's first use.
    /// </summary>
    public static RetrievalPipeline<Guid, MemoryRecord> Open(VectorStore store, string collectionName, IEmbeddingGenerator<string, Embedding<float>> embeddings,
        IReranker? reranker = null, RetrievalOptions<MemoryRecord>? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embeddings);
        int dimensions = embeddings.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions
            ?? throw new ArgumentException("the embedding generator does not report its dimensions (EmbeddingGeneratorMetadata.DefaultModelDimensions)", nameof(embeddings));
        options ??= new RetrievalOptions<MemoryRecord>();
        options.CreateCollection = true;
        return new RetrievalPipeline<Guid, MemoryRecord>(store.GetCollection<Guid, MemoryRecord>(collectionName, MemoryRecord.Definition(dimensions)), embeddings, reranker, options);
    }

    /// <summary>Embeds a text (passage mode) and stores it under <paramref name="id"/> (default: a new one), replacing the record of that id; returns the id.</summary>
    public static async Task<string> SaveAsync(this RetrievalPipeline<Guid, MemoryRecord> pipeline, string text, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        id = string.IsNullOrWhiteSpace(id) ? Guid.NewGuid().ToString("N") : id;
        await pipeline.EnsureCreatedAsync().ConfigureAwait(false);
        var vector = (await pipeline.Embeddings.GenerateAsync(new[] { text }, PassageMode.Clone(), cancellationToken).ConfigureAwait(false))[0].Vector;
        await pipeline.Collection.UpsertAsync(new MemoryRecord { Key = MemoryRecord.KeyOf(id), Id = id, Text = text, Embedding = vector }, cancellationToken).ConfigureAwait(false);
        return id;
    }
}
