using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using D2LLM.Storage.Filtering;
using D2LLM.Storage.Mapping;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace D2LLM.Storage;

/// <summary>
/// What the library's two VectorData collections (embedded, Qdrant) share: VectorData's argument rules, the record
/// mapping, LINQ filter translation, embedding generation for upserts and string searches, and the single-record
/// forms of the batch operations. Each store implements the batch cores over its own storage.
/// </summary>
/// <typeparam name="TKey">the key type the store holds</typeparam>
/// <typeparam name="TRecord">the record type</typeparam>
public abstract class StoreCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly IDisposable? _owned;

    /// <param name="name">the collection's name</param>
    /// <param name="model">the record model</param>
    /// <param name="systemName">VectorData's name of the store kind</param>
    /// <param name="storeName">the store's location, for metadata and errors</param>
    /// <param name="owned">what disposing the collection disposes (a store file or client it opened), if anything</param>
    private protected StoreCollection(string name, CollectionModel model, string systemName, string? storeName, IDisposable? owned)
    {
        _owned = owned;
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Mapper = new RecordMapper<TRecord>(model);
        Metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = systemName, VectorStoreName = storeName, CollectionName = name };
    }

    public override string Name { get; }

    private protected RecordMapper<TRecord> Mapper { get; }

    private protected CollectionModel Model => Mapper.Model;

    private protected VectorStoreCollectionMetadata Metadata { get; }

    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (await GetCoreAsync(new[] { key }, Mapper.IncludeVectors(options?.IncludeVectors ?? false), cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        bool vectors = Mapper.IncludeVectors(options?.IncludeVectors ?? false);
        var list = keys.ToList();
        if (list.Count == 0) yield break;
        foreach (var record in await GetCoreAsync(list, vectors, cancellationToken).ConfigureAwait(false)) yield return record;
    }

    public override async IAsyncEnumerable<TRecord> GetAsync(Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        var query = new RecordQuery(new LinqFilterTranslator().Translate(filter, Model), top, options.Skip, Mapper.IncludeVectors(options.IncludeVectors),
            options.OrderBy?.Invoke(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values
                .Select(s => (Model.GetDataOrKeyProperty(s.PropertySelector), s.Ascending)).ToList() ?? new List<(PropertyModel, bool)>());
        foreach (var record in await GetCoreAsync(query, cancellationToken).ConfigureAwait(false)) yield return record;
    }

    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync(new[] { key }, cancellationToken);

    public override Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.ToList();
        return list.Count == 0 ? Task.CompletedTask : DeleteCoreAsync(list, cancellationToken);
    }

    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default) => UpsertAsync(new[] { record }, cancellationToken);

    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        var stored = await Mapper.PrepareAsync(records, cancellationToken).ConfigureAwait(false);
        if (stored.Count > 0) await UpsertCoreAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new VectorSearchOptions<TRecord>();
        var search = await PrepareSearchAsync(searchValue, top, options.Skip, options.IncludeVectors, options.Filter, options.ScoreThreshold,
            new VectorSearchOptions<TRecord> { VectorProperty = options.VectorProperty }, cancellationToken).ConfigureAwait(false);
        foreach (var hit in await SearchCoreAsync(search, cancellationToken).ConfigureAwait(false)) yield return hit;
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) => ServiceLookup.Find(serviceType, serviceKey, Metadata, this);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _owned?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>A search as the cores receive it: checked, its filter translated, its vector computed.</summary>
    private protected sealed record VectorQuery(float[] Vector, VectorPropertyModel Property, int Top, int Skip, FilterNode? Filter, double? ScoreThreshold, bool IncludeVectors);

    /// <summary>A filtered read as the cores receive it.</summary>
    private protected sealed record RecordQuery(FilterNode Filter, int Top, int Skip, bool IncludeVectors, IReadOnlyList<(PropertyModel Property, bool Ascending)> OrderBy);

    /// <summary>Checks a search's arguments (VectorData's rules), translates its filter and embeds its input when it is not a vector.</summary>
    private protected async Task<VectorQuery> PrepareSearchAsync<TInput>(TInput searchValue, int top, int skip, bool includeVectors,
        Expression<Func<TRecord, bool>>? filter, double? scoreThreshold, VectorSearchOptions<TRecord> vectorProperty, CancellationToken cancellationToken)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        bool vectors = Mapper.IncludeVectors(includeVectors);
        var property = Model.GetVectorPropertyOrSingle(vectorProperty);
        var translated = filter is null ? null : new LinqFilterTranslator().Translate(filter, Model);
        var vector = await NativeVectors.SearchVectorAsync(searchValue, property, cancellationToken).ConfigureAwait(false);
        return new VectorQuery(vector, property, top, skip, translated, scoreThreshold, vectors);
    }

    /// <summary>The records of these keys that exist (order unspecified).</summary>
    private protected abstract Task<IReadOnlyList<TRecord>> GetCoreAsync(IReadOnlyList<TKey> keys, bool includeVectors, CancellationToken cancellationToken);

    private protected abstract Task<IReadOnlyList<TRecord>> GetCoreAsync(RecordQuery query, CancellationToken cancellationToken);

    private protected abstract Task DeleteCoreAsync(IReadOnlyList<TKey> keys, CancellationToken cancellationToken);

    private protected abstract Task UpsertCoreAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken);

    private protected abstract Task<IReadOnlyList<VectorSearchResult<TRecord>>> SearchCoreAsync(VectorQuery query, CancellationToken cancellationToken);
}
