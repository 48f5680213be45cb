using System.Linq.Expressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel;

/// <summary>
/// Retrieval over any VectorData collection (the embedded store, Qdrant, or a third-party provider): embed the query
/// once (query mode) → the top N candidates from the collection, with their stored vectors when there is a reranker →
/// rerank → top k. The IEM reranker scores the query vector and stored vectors directly, so a reranked search costs one
/// backbone pass in all. Thread-safe when the collection, generator and reranker are (the library's are).
/// </summary>
public sealed class RetrievalPipeline<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private static readonly EmbeddingGenerationOptions QueryMode = new() { AdditionalProperties = new() { [D2LlmEmbeddingOptions.InputKindKey] = "query" } };
    private readonly RecordAccess<TRecord> _access;
    private readonly Lazy<Task> _created;

    public RetrievalPipeline(VectorStoreCollection<TKey, TRecord> collection, IEmbeddingGenerator<string, Embedding<float>> embeddings, IReranker? reranker = null,
        RetrievalOptions<TRecord>? options = null)
    {
        Collection = collection ?? throw new ArgumentNullException(nameof(collection));
        Embeddings = embeddings ?? throw new ArgumentNullException(nameof(embeddings));
        Reranker = reranker;
        Options = options ?? new RetrievalOptions<TRecord>();
        _access = new RecordAccess<TRecord>(Options.Text, Options.VectorProperty);
        _created = new Lazy<Task>(() => Options.CreateCollection ? Collection.EnsureCollectionExistsAsync() : Task.CompletedTask);
    }

    public VectorStoreCollection<TKey, TRecord> Collection { get; }
    public IEmbeddingGenerator<string, Embedding<float>> Embeddings { get; }
    public IReranker? Reranker { get; }
    public RetrievalOptions<TRecord> Options { get; }

    internal RecordAccess<TRecord> Access => _access;

    /// <summary>The best <paramref name="top"/> records for a query (default: the options' Top), best first, matching the filter if one is given.</summary>
    public async Task<IReadOnlyList<RetrievalResult<TRecord>>> SearchAsync(string query, int? top = null, Expression<Func<TRecord, bool>>? filter = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        int k = top ?? Options.Top;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1, nameof(top));
        await EnsureCreatedAsync().ConfigureAwait(false);
        var queryVector = (await Embeddings.GenerateAsync(new[] { query }, QueryMode.Clone(), cancellationToken).ConfigureAwait(false))[0].Vector;
        bool withVectors = Reranker is not null && _access.HasVectors;
        var hits = new List<VectorSearchResult<TRecord>>();
        await foreach (var hit in Collection.SearchAsync(queryVector, Reranker is null ? k : Math.Max(k, Options.Candidates), new VectorSearchOptions<TRecord>
        {
            Filter = Combine(Options.Filter, filter), VectorProperty = Options.VectorProperty, IncludeVectors = withVectors,
        }, cancellationToken).ConfigureAwait(false)) hits.Add(hit);

        var chunks = hits.Select(h => new RetrievalChunk(_access.Text(h.Record) ?? "", h.Record, withVectors ? _access.Vector(h.Record) : null) { Score = h.Score ?? 0 }).ToList();
        var ranked = Reranker is null ? chunks
            : await Reranker.RerankAsync(query, chunks, new RerankOptions { QueryVector = queryVector, VectorsFrom = Embeddings }, cancellationToken).ConfigureAwait(false);
        return ranked.Take(k).Select(c => new RetrievalResult<TRecord>((TRecord)c.Record!, c.Content, c.Score)).ToList();
    }

    /// <summary>Creates the collection once, before first use, when the options ask for it.</summary>
    internal Task EnsureCreatedAsync() => _created.Value;

    private static Expression<Func<TRecord, bool>>? Combine(Expression<Func<TRecord, bool>>? a, Expression<Func<TRecord, bool>>? b)
    {
        if (a is null || b is null) return a ?? b;
        var body = Expression.AndAlso(a.Body, Expression.Invoke(b, a.Parameters[0]));
        return Expression.Lambda<Func<TRecord, bool>>(new InvocationInliner().Visit(body), a.Parameters);
    }

    /// <summary>Inlines <c>Invoke(lambda, arg)</c> so that store translators see one plain lambda body.</summary>
    private sealed class InvocationInliner : ExpressionVisitor
    {
        protected override Expression VisitInvocation(InvocationExpression node) =>
            node.Expression is LambdaExpression lambda
                ? Visit(new ParameterReplacer(lambda.Parameters[0], node.Arguments[0]).Visit(lambda.Body))
                : base.VisitInvocation(node);
    }

    private sealed class ParameterReplacer(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
