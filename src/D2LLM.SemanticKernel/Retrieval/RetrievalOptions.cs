using System.Linq.Expressions;

namespace D2LLM.SemanticKernel;

/// <summary>Options of a <see cref="RetrievalPipeline{TKey, TRecord}"/>.</summary>
public sealed class RetrievalOptions<TRecord>
{
    /// <summary>Candidates taken from the store before reranking (rerank the wide pool, not the truncated top).</summary>
    public int Candidates { get; set; } = 50;

    /// <summary>Create the collection, if missing, before the pipeline's first use (a memory that starts empty).</summary>
    public bool CreateCollection { get; set; }

    /// <summary>Results returned when a search does not say.</summary>
    public int Top { get; set; } = 5;

    /// <summary>A filter every search applies (VectorData LINQ, translated by the store); a search's own filter is combined with it.</summary>
    public Expression<Func<TRecord, bool>>? Filter { get; set; }

    /// <summary>
    /// The text of a record (what a reranker reads and text search returns). Default: the property marked
    /// [TextSearchResultValue], else the only full-text-indexed string data property, else the only string data property.
    /// </summary>
    public Func<TRecord, string?>? Text { get; set; }

    /// <summary>
    /// The vector property to search (VectorData's VectorProperty; default: the record's only vector property). Its
    /// stored vectors go to the reranker when it is of a native vector type (ReadOnlyMemory&lt;float&gt;, float[], Embedding&lt;float&gt;).
    /// </summary>
    public Expression<Func<TRecord, object?>>? VectorProperty { get; set; }
}
