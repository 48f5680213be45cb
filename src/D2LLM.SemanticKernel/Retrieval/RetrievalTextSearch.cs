// The legacy ITextSearch, its options and filter clauses are obsolete in SK 1.82, yet TextSearchProvider and the
// plugin factories (CreateWithGetTextSearchResults, ...) take nothing else: this file implements both.
#pragma warning disable CS0618

using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;

namespace D2LLM.SemanticKernel;

/// <summary>
/// Semantic Kernel text search over a <see cref="RetrievalPipeline{TKey, TRecord}"/>: what SK's
/// <c>TextSearchProvider</c>, <c>CreateWithGetTextSearchResults</c> plugins and agents call, getting reranked results
/// (SK's own VectorStoreTextSearch searches the collection alone). Implements the generic ITextSearch (LINQ filters) and
/// the legacy one (equality filters on data properties, by property name), which SK's providers and plugin factories
/// still take. Results map as SK's do: the value is the record's text, the name and link its [TextSearchResultName] and
/// [TextSearchResultLink] properties.
/// </summary>
public sealed class RetrievalTextSearch<TKey, TRecord>(RetrievalPipeline<TKey, TRecord> pipeline) : ITextSearch<TRecord>, ITextSearch
    where TKey : notnull
    where TRecord : class
{
    public Task<KernelSearchResults<string>> SearchAsync(string query, TextSearchOptions<TRecord>? searchOptions = null, CancellationToken cancellationToken = default) =>
        Results(query, searchOptions, r => r.Text, cancellationToken);

    public Task<KernelSearchResults<TextSearchResult>> GetTextSearchResultsAsync(string query, TextSearchOptions<TRecord>? searchOptions = null,
        CancellationToken cancellationToken = default) =>
        Results(query, searchOptions, ToTextSearchResult, cancellationToken);

    public Task<KernelSearchResults<TRecord>> GetSearchResultsAsync(string query, TextSearchOptions<TRecord>? searchOptions = null, CancellationToken cancellationToken = default) =>
        Results(query, searchOptions, r => r.Record, cancellationToken);

    public Task<KernelSearchResults<string>> SearchAsync(string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default) =>
        Results(query, Generic(searchOptions), r => r.Text, cancellationToken);

    public Task<KernelSearchResults<TextSearchResult>> GetTextSearchResultsAsync(string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default) =>
        Results(query, Generic(searchOptions), ToTextSearchResult, cancellationToken);

    public Task<KernelSearchResults<object>> GetSearchResultsAsync(string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default) =>
        Results(query, Generic(searchOptions), r => (object)r.Record, cancellationToken);

    private TextSearchResult ToTextSearchResult(RetrievalResult<TRecord> r) =>
        new(r.Text) { Name = pipeline.Access.Name(r.Record), Link = pipeline.Access.Link(r.Record) };

    private async Task<KernelSearchResults<T>> Results<T>(string query, TextSearchOptions<TRecord>? options, Func<RetrievalResult<TRecord>, T> map, CancellationToken cancellationToken)
    {
        options ??= new TextSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        var hits = await pipeline.SearchAsync(query, Math.Max(1, options.Top) + options.Skip, options.Filter, cancellationToken).ConfigureAwait(false);
        var page = hits.Skip(options.Skip).Take(options.Top).Select(map).ToList();
        return new KernelSearchResults<T>(page.ToAsyncEnumerable(), totalCount: options.IncludeTotalCount ? hits.Count : null);
    }

    /// <summary>The legacy options as generic ones: each equality clause becomes <c>r.Property == value</c>, all of them and-ed.</summary>
    private static TextSearchOptions<TRecord> Generic(TextSearchOptions? options)
    {
        options ??= new TextSearchOptions();
        Expression<Func<TRecord, bool>>? filter = null;
        var clauses = options.Filter?.FilterClauses.ToList() ?? new List<FilterClause>();
        if (clauses.Count > 0)
        {
            var record = Expression.Parameter(typeof(TRecord), "r");
            Expression body = clauses.Select(c => c switch
            {
                EqualToFilterClause equal => (Expression)Expression.Equal(Member(record, equal.FieldName), Expression.Constant(equal.Value, Member(record, equal.FieldName).Type)),
                _ => throw new NotSupportedException($"text search filter clause {c.GetType().Name} (equality clauses only)"),
            }).Aggregate(Expression.AndAlso);
            filter = Expression.Lambda<Func<TRecord, bool>>(body, record);
        }

        return new TextSearchOptions<TRecord> { Top = options.Top, Skip = options.Skip, IncludeTotalCount = options.IncludeTotalCount, Filter = filter };
    }

    private static Expression Member(ParameterExpression record, string name) =>
        typeof(TRecord) == typeof(Dictionary<string, object?>)
            ? Expression.Property(record, "Item", Expression.Constant(name))
            : Expression.Property(record, typeof(TRecord).GetProperty(name) ?? throw new ArgumentException($"text search filter: {typeof(TRecord).Name} has no property '{name}'"));
}
