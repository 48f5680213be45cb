using System.Diagnostics.CodeAnalysis;
using D2LLM.Storage.Mapping;
using Grpc.Core;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Polly;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// A Qdrant collection as a VectorData <c>VectorStoreCollection</c>, over the official gRPC client (Qdrant.Client), in
/// the point layout of the CommunityToolkit Qdrant connector (<see cref="QdrantPoints"/>), so an application using that
/// connector reads the same collection: ulong or Guid keys as point ids, payload fields by storage name, an unnamed
/// vector for a record with one vector and named vectors otherwise. Collection creation adds a payload index per
/// indexed data property (keyword, integer, float, bool or datetime) and a text index per full-text one. LINQ filters
/// are translated to Qdrant filters (<see cref="QdrantFilter"/>); search uses the Query API. Transient failures
/// (Unavailable, DeadlineExceeded, ResourceExhausted, Aborted) are retried with backoff; every error reaches the caller
/// as a <see cref="VectorStoreException"/> carrying Qdrant's own message.
/// </summary>
/// <remarks>
/// Upserts and deletes wait for the server to apply them. <c>GetAsync</c> by filter scrolls with limit top + skip and
/// skips on the client, and orders by one property at most (Qdrant's order_by; it needs a range index on that field).
/// Scores are Qdrant's: cosine and dot are similarities, Euclid and Manhattan distances. Cosine vectors come back at unit
/// length, since Qdrant normalises them on insert.
/// </remarks>
/// <typeparam name="TKey">ulong or Guid (object for dynamic collections)</typeparam>
/// <typeparam name="TRecord">the record type</typeparam>
public class QdrantCollection<TKey, TRecord> : StoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    /// <summary>The name VectorData metadata and errors report for this store (the connector's).</summary>
    public const string SystemName = "qdrant";

    private readonly QdrantClient _client;
    private readonly QdrantPoints _points;
    private readonly ResiliencePipeline _retry;

    /// <summary>A collection over <paramref name="client"/>; with <paramref name="ownsClient"/>, disposing the collection disposes the client.</summary>
    [RequiresDynamicCode("Record mapping by reflection is incompatible with NativeAOT.")]
    [RequiresUnreferencedCode("Record mapping by reflection is incompatible with trimming.")]
    public QdrantCollection(QdrantClient client, string name, bool ownsClient, QdrantCollectionOptions? options = null)
        : this(client, ownsClient, name, o => BuildModel(o), options, storeName: null)
    {
    }

    internal QdrantCollection(QdrantClient client, bool ownsClient, string name, Func<QdrantCollectionOptions, CollectionModel> model,
        QdrantCollectionOptions? options, string? storeName)
        : base(name, model(options ??= new QdrantCollectionOptions()), SystemName, storeName, ownsClient ? client : null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _points = new QdrantPoints(Model.VectorProperties.Select(v => v.StorageName).ToList(), options.AlwaysNamedVectors || Model.VectorProperties.Count > 1);
        _retry = QdrantCalls.Retry(options.Retry);
    }

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        Run("CollectionExists", ct => _client.CollectionExistsAsync(Name, ct), cancellationToken);

    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        if (await CollectionExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        try
        {
            await Run("EnsureCollectionExists", async ct =>
            {
                if (_points.Named)
                {
                    var map = new VectorParamsMap();
                    foreach (var v in Model.VectorProperties) map.Map[v.StorageName] = Params(v);
                    await _client.CreateCollectionAsync(Name, map, cancellationToken: ct).ConfigureAwait(false);
                }
                else
                {
                    await _client.CreateCollectionAsync(Name, Params(Model.VectorProperty), cancellationToken: ct).ConfigureAwait(false);
                }

                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.InnerException is RpcException { StatusCode: StatusCode.AlreadyExists })
        {
            // Another client created it at the same moment.
        }

        foreach (var property in Model.DataProperties.Where(p => p.IsIndexed || p.IsFullTextIndexed))
        {
            var schema = property.IsFullTextIndexed ? PayloadSchemaType.Text : IndexTypeOf(property.Type);
            await Run("EnsureCollectionExists", ct => _client.CreatePayloadIndexAsync(Name, property.StorageName, schema, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        if (!await CollectionExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        await Run("EnsureCollectionDeleted", async ct =>
        {
            await _client.DeleteCollectionAsync(Name, cancellationToken: ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) => ServiceLookup.Find(serviceType, serviceKey, Metadata, _client, this);

    [RequiresDynamicCode("Record mapping by reflection is incompatible with NativeAOT.")]
    [RequiresUnreferencedCode("Record mapping by reflection is incompatible with trimming.")]
    internal static CollectionModel BuildModel(QdrantCollectionOptions options) =>
        new QdrantModelBuilder().BuildFor<TKey, TRecord>(options, typeof(QdrantDynamicCollection));

    private protected override async Task<IReadOnlyList<TRecord>> GetCoreAsync(IReadOnlyList<TKey> keys, bool includeVectors, CancellationToken cancellationToken)
    {
        var ids = keys.Select(k => QdrantPoints.Id(k)).ToList();
        var points = await Run("Get", ct => _client.RetrieveAsync(Name, ids, withPayload: true, withVectors: includeVectors, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return points.Select(p => Materialise(p.Id, p.Payload, p.Vectors, includeVectors, "Get")).ToList();
    }

    private protected override async Task<IReadOnlyList<TRecord>> GetCoreAsync(RecordQuery query, CancellationToken cancellationToken)
    {
        if (query.OrderBy.Count > 1) throw new NotSupportedException("Qdrant orders a scroll by one property only");
        var orderBy = query.OrderBy.Count == 1
            ? new OrderBy { Key = query.OrderBy[0].Property.StorageName, Direction = query.OrderBy[0].Ascending ? Direction.Asc : Direction.Desc }
            : null;
        var page = await Run("Get", ct => _client.ScrollAsync(Name, QdrantFilter.Translate(query.Filter), limit: (uint)(query.Top + query.Skip), payloadSelector: true,
            vectorsSelector: query.IncludeVectors, orderBy: orderBy, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return page.Result.Skip(query.Skip).Select(p => Materialise(p.Id, p.Payload, p.Vectors, query.IncludeVectors, "Get")).ToList();
    }

    private protected override Task DeleteCoreAsync(IReadOnlyList<TKey> keys, CancellationToken cancellationToken)
    {
        var ids = keys.Select(k => QdrantPoints.Id(k)).ToList();
        return Run("Delete", ct => _client.DeleteAsync(Name, ids, wait: true, cancellationToken: ct), cancellationToken);
    }

    private protected override Task UpsertCoreAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
            foreach (var v in Model.VectorProperties)
                if (record.Vectors.GetValueOrDefault(v.StorageName) is { } vector) CheckSize(vector.Length, v, $"record {record.Key}", "Upsert");
        var points = records.Select(_points.ToPoint).ToList();
        return Run("Upsert", ct => _client.UpsertAsync(Name, points, wait: true, cancellationToken: ct), cancellationToken);
    }

    private protected override async Task<IReadOnlyList<VectorSearchResult<TRecord>>> SearchCoreAsync(VectorQuery query, CancellationToken cancellationToken)
    {
        CheckSize(query.Vector.Length, query.Property, "the search vector", "Search");
        var filter = query.Filter is null ? null : QdrantFilter.Translate(query.Filter);
        var hits = await Run("Search", ct => _client.QueryAsync(Name, query.Vector, usingVector: _points.Named ? query.Property.StorageName : null, filter: filter,
            scoreThreshold: (float?)query.ScoreThreshold, limit: (ulong)query.Top, offset: (ulong)query.Skip, payloadSelector: true, vectorsSelector: query.IncludeVectors,
            cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return hits.Select(h => new VectorSearchResult<TRecord>(Materialise(h.Id, h.Payload, h.Vectors, query.IncludeVectors, "Search"), h.Score)).ToList();
    }

    private void CheckSize(int length, VectorPropertyModel property, string what, string operation)
    {
        if (length != property.Dimensions)
            throw Error($"{what} has {length} dimensions, vector '{property.StorageName}' holds {property.Dimensions} (dimension mismatch)", operation, null);
    }

    /// <summary>
    /// The record a returned point holds. A successful answer the record cannot be read from (a payload value of
    /// another type, a vector of another size or missing, an id of the other kind) is a VectorStoreException naming the
    /// point and what is wrong, not a cast exception from deep in the mapping.
    /// </summary>
    private TRecord Materialise(PointId id, Google.Protobuf.Collections.MapField<string, Value> payload, VectorsOutput? vectors, bool includeVectors, string operation)
    {
        string point = id.PointIdOptionsCase == PointId.PointIdOptionsOneofCase.Num ? id.Num.ToString(System.Globalization.CultureInfo.InvariantCulture) : id.Uuid;
        try
        {
            var stored = _points.FromPoint(id, payload, includeVectors ? vectors : null, typeof(TKey) == typeof(object) ? Model.KeyProperty.Type : typeof(TKey));
            if (includeVectors)
            {
                foreach (var property in Model.VectorProperties)
                {
                    var vector = stored.Vectors.GetValueOrDefault(property.StorageName);
                    if (vector is null && !_points.Named) throw new InvalidDataException($"vector '{property.StorageName}' was asked for but not returned");
                    if (vector is not null && vector.Length != property.Dimensions)
                        throw new InvalidDataException($"vector '{property.StorageName}' has {vector.Length} dimensions, expected {property.Dimensions}");
                }
            }

            return Mapper.FromStored(stored, includeVectors);
        }
        catch (InvalidDataException e)
        {
            throw Error($"point {point}: {e.Message}", operation, e);
        }
    }

    private static VectorParams Params(VectorPropertyModel property) =>
        new() { Size = (ulong)property.Dimensions, Distance = QdrantModelBuilder.DistanceOf(property.DistanceFunction) };

    private static PayloadSchemaType IndexTypeOf(Type type)
    {
        var t = StoredValue.ElementType(Nullable.GetUnderlyingType(type) ?? type) ?? Nullable.GetUnderlyingType(type) ?? type;
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t == typeof(string) || t == typeof(Guid) ? PayloadSchemaType.Keyword
            : t == typeof(bool) ? PayloadSchemaType.Bool
            : t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(DateOnly) ? PayloadSchemaType.Datetime
            : t == typeof(float) || t == typeof(double) || t == typeof(decimal) ? PayloadSchemaType.Float
            : PayloadSchemaType.Integer;
    }

    /// <summary>Runs one call with retries; failures become VectorStoreException naming the collection, the operation and Qdrant's message.</summary>
    private Task<T> Run<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        QdrantCalls.RunAsync(_retry, call, (message, e) => Error(message, operation, e), cancellationToken);

    private VectorStoreException Error(string message, string operation, Exception? inner) =>
        new($"qdrant: collection '{Name}': {operation} failed: {message}", inner)
        {
            VectorStoreSystemName = SystemName, VectorStoreName = Metadata.VectorStoreName, CollectionName = Name, OperationName = operation,
        };
}
