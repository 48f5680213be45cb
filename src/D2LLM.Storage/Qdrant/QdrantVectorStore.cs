using System.Text.Json;
using System.Text.Json.Nodes;

namespace D2LLM.Storage.Qdrant;

/// <summary>Collections on a Qdrant server (≥ 1.10) over REST and its Query API.</summary>
public sealed class QdrantVectorStore(QdrantOptions options, HttpMessageHandler? handler = null) : IVectorStore
{
    internal QdrantRestClient Client { get; } = new(options, handler);
    internal QdrantOptions Options { get; } = options;

    public IVectorCollection GetCollection(string name, CollectionOptions collectionOptions)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a collection needs a name");
        return new QdrantCollection(this, name, collectionOptions);
    }

    public async Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default)
    {
        var result = await Client.SendAsync(HttpMethod.Get, "/collections", null, cancellationToken);
        return result.GetProperty("collections").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>A Qdrant collection with one unnamed vector per point.</summary>
public sealed class QdrantCollection : IVectorCollection
{
    private readonly QdrantVectorStore _store;
    private readonly string _path;

    internal QdrantCollection(QdrantVectorStore store, string name, CollectionOptions options)
    {
        _store = store;
        Name = name;
        Options = options;
        _path = "/collections/" + Uri.EscapeDataString(name);
    }

    public string Name { get; }
    public CollectionOptions Options { get; }

    public async Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        if (await ExistsAsync(cancellationToken))
        {
            var info = await _store.Client.SendAsync(HttpMethod.Get, _path, null, cancellationToken);
            var vectors = info.GetProperty("config").GetProperty("params").GetProperty("vectors");
            if (vectors.ValueKind != JsonValueKind.Object || !vectors.TryGetProperty("size", out var size))
                throw new QdrantException($"collection '{Name}' uses named vectors; this client expects one unnamed vector");
            string distance = vectors.GetProperty("distance").GetString()!;
            if (size.GetInt32() != Options.Dimensions || distance != QdrantJson.Distance(Options.Distance))
                throw new QdrantException($"collection '{Name}' holds {size.GetInt32()}-dimensional {distance} vectors, not {Options.Dimensions}-dimensional {QdrantJson.Distance(Options.Distance)}");
            return;
        }

        var vectorsConfig = new JsonObject { ["size"] = Options.Dimensions, ["distance"] = QdrantJson.Distance(Options.Distance) };
        if (_store.Options.OnDiskVectors) vectorsConfig["on_disk"] = true;
        var body = new JsonObject { ["vectors"] = vectorsConfig };
        if (_store.Options.HnswM is not null || _store.Options.HnswEfConstruct is not null)
        {
            var hnsw = new JsonObject();
            if (_store.Options.HnswM is { } m) hnsw["m"] = m;
            if (_store.Options.HnswEfConstruct is { } ef) hnsw["ef_construct"] = ef;
            body["hnsw_config"] = hnsw;
        }

        await _store.Client.SendAsync(HttpMethod.Put, _path, body, cancellationToken);
    }

    public async Task<bool> ExistsAsync(CancellationToken cancellationToken = default) =>
        (await _store.Client.SendAsync(HttpMethod.Get, _path + "/exists", null, cancellationToken)).GetProperty("exists").GetBoolean();

    public Task DeleteCollectionAsync(CancellationToken cancellationToken = default) => _store.Client.SendAsync(HttpMethod.Delete, _path, null, cancellationToken);

    /// <summary>Upserts with wait=true, split so that every request stays under the size limit.</summary>
    public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
    {
        var batch = new JsonArray();
        int bytes = 0;
        foreach (var record in records)
        {
            if (record.Vector is null || record.Vector.Length != Options.Dimensions)
                throw new ArgumentException($"collection '{Name}': record {record.Key} has a {record.Vector?.Length ?? 0}-dimensional vector, the collection holds {Options.Dimensions}");
            var point = QdrantJson.Point(record);
            int size = QdrantJson.Size(point) + 1;
            if (size + 32 > _store.Options.MaxRequestBytes) throw new ArgumentException($"record {record.Key} alone exceeds the request limit of {_store.Options.MaxRequestBytes} bytes");
            if (bytes + size + 32 > _store.Options.MaxRequestBytes)
            {
                await SendPoints(batch, cancellationToken);
                (batch, bytes) = (new JsonArray(), 0);
            }

            batch.Add(point);
            bytes += size;
        }

        if (batch.Count > 0) await SendPoints(batch, cancellationToken);
    }

    public async Task<IReadOnlyList<VectorRecord>> GetAsync(IReadOnlyList<VectorKey> keys, bool includeVectors = false, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["ids"] = new JsonArray(keys.Select(QdrantJson.Id).ToArray()), ["with_payload"] = true, ["with_vector"] = includeVectors };
        var result = await _store.Client.SendAsync(HttpMethod.Post, _path + "/points", body, cancellationToken);
        var byKey = result.EnumerateArray().Select(p => QdrantJson.Record(p, includeVectors)).ToDictionary(r => r.Key);
        return keys.Where(byKey.ContainsKey).Select(k => byKey[k]).ToList();
    }

    public Task DeleteAsync(IReadOnlyList<VectorKey> keys, CancellationToken cancellationToken = default) =>
        _store.Client.SendAsync(HttpMethod.Post, _path + "/points/delete?wait=true", new JsonObject { ["points"] = new JsonArray(keys.Select(QdrantJson.Id).ToArray()) }, cancellationToken);

    public Task DeleteAsync(VectorFilter filter, CancellationToken cancellationToken = default) =>
        _store.Client.SendAsync(HttpMethod.Post, _path + "/points/delete?wait=true", new JsonObject { ["filter"] = QdrantJson.Filter(filter) }, cancellationToken);

    public async Task<long> CountAsync(VectorFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["exact"] = true };
        if (filter is not null) body["filter"] = QdrantJson.Filter(filter);
        return (await _store.Client.SendAsync(HttpMethod.Post, _path + "/points/count", body, cancellationToken)).GetProperty("count").GetInt64();
    }

    /// <summary>The Query API: nearest points to the vector, with filter, limit, score threshold, payload and optionally vectors.</summary>
    public async Task<IReadOnlyList<VectorSearchHit>> SearchAsync(float[] vector, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VectorSearchOptions();
        if (vector.Length != Options.Dimensions) throw new ArgumentException($"the query vector has {vector.Length} dimensions, the collection {Options.Dimensions}");
        var body = new JsonObject
        {
            ["query"] = new JsonArray(vector.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
            ["limit"] = options.Top, ["with_payload"] = true, ["with_vector"] = options.IncludeVectors,
        };
        if (options.Filter is not null) body["filter"] = QdrantJson.Filter(options.Filter);
        if (options.ScoreThreshold is { } t) body["score_threshold"] = t;
        var result = await _store.Client.SendAsync(HttpMethod.Post, _path + "/points/query", body, cancellationToken);
        return result.GetProperty("points").EnumerateArray()
            .Select(p => new VectorSearchHit(QdrantJson.Record(p, options.IncludeVectors), p.GetProperty("score").GetDouble())).ToList();
    }

    /// <summary>Every record (optionally filtered), page by page.</summary>
    public async IAsyncEnumerable<VectorRecord> ScrollAsync(VectorFilter? filter = null, bool includeVectors = false, int pageSize = 256,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JsonNode? offset = null;
        do
        {
            var body = new JsonObject { ["limit"] = pageSize, ["with_payload"] = true, ["with_vector"] = includeVectors };
            if (filter is not null) body["filter"] = QdrantJson.Filter(filter);
            if (offset is not null) body["offset"] = offset;
            var result = await _store.Client.SendAsync(HttpMethod.Post, _path + "/points/scroll", body, cancellationToken);
            foreach (var p in result.GetProperty("points").EnumerateArray()) yield return QdrantJson.Record(p, includeVectors);
            offset = result.TryGetProperty("next_page_offset", out var next) && next.ValueKind is JsonValueKind.Number or JsonValueKind.String ? JsonNode.Parse(next.GetRawText()) : null;
        }
        while (offset is not null);
    }

    /// <summary>A payload index so filters on the field stay fast (keyword, integer, float, bool, …).</summary>
    public Task CreatePayloadIndexAsync(string field, string schema = "keyword", CancellationToken cancellationToken = default) =>
        _store.Client.SendAsync(HttpMethod.Put, _path + "/index?wait=true", new JsonObject { ["field_name"] = field, ["field_schema"] = schema }, cancellationToken);

    private Task SendPoints(JsonArray points, CancellationToken cancellationToken) =>
        _store.Client.SendAsync(HttpMethod.Put, _path + "/points?wait=true", new JsonObject { ["points"] = points }, cancellationToken);
}
