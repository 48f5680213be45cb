using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using D2LLM.Storage.Qdrant;

namespace D2LLM.Storage.Tests;

/// <summary>A fake Qdrant that records requests and answers in the documented response shapes.</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    public List<(HttpMethod Method, string Path, string? Body, string? ApiKey)> Requests { get; } = new();
    public Queue<HttpStatusCode> Faults { get; } = new();
    public bool Exists { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        string path = request.RequestUri!.PathAndQuery;
        Requests.Add((request.Method, path, body, request.Headers.TryGetValues("api-key", out var keys) ? keys.First() : null));
        if (Faults.TryDequeue(out var fault))
            return new HttpResponseMessage(fault) { Content = new StringContent("{\"status\":{\"error\":\"Service is overloaded\"},\"time\":0.0}") };
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Answer(request.Method, path), Encoding.UTF8, "application/json") };
    }

    public string Answer(HttpMethod method, string path)
    {
        string template = OpenApiContract.Template(path);
        JsonNode result = (method.Method, template) switch
        {
            ("GET", "/collections") => JsonNode.Parse("{\"collections\":[{\"name\":\"docs\"},{\"name\":\"archive\"}]}")!,
            ("GET", "/collections/{collection_name}/exists") => new JsonObject { ["exists"] = Exists },
            ("GET", "/collections/{collection_name}") => JsonNode.Parse("""
                {"status":"green","optimizer_status":"ok","segments_count":2,"payload_schema":{},
                 "config":{"params":{"vectors":{"size":3,"distance":"Cosine"},"shard_number":1,"replication_factor":1,"write_consistency_factor":1,"on_disk_payload":true},
                           "hnsw_config":{"m":16,"ef_construct":100,"full_scan_threshold":10000},
                           "optimizer_config":{"deleted_threshold":0.2,"vacuum_min_vector_number":1000,"default_segment_number":0,"flush_interval_sec":5},
                           "wal_config":{"wal_capacity_mb":32,"wal_segments_ahead":0}}}
                """)!,
            ("POST", "/collections/{collection_name}/points/query") => JsonNode.Parse("""
                {"points":[{"id":"9c7d6f46-37a6-5d8c-b4a1-23b3c6a2f1e0","version":3,"score":0.91,"payload":{"text":"first","id":"doc-1","year":2020,"tags":["a","b"]},"vector":[0.1,0.2,0.3]},
                           {"id":42,"version":3,"score":0.5,"payload":{"text":"second","id":"42"}}]}
                """)!,
            ("POST", "/collections/{collection_name}/points") => JsonNode.Parse("""[{"id":42,"payload":{"text":"second","id":"42","flag":true}}]""")!,
            ("POST", "/collections/{collection_name}/points/count") => JsonNode.Parse("{\"count\":7}")!,
            ("POST", "/collections/{collection_name}/points/scroll") => path.Contains("page2", StringComparison.Ordinal) ? JsonNode.Parse("{\"points\":[],\"next_page_offset\":null}")!
                : JsonNode.Parse("{\"points\":[{\"id\":1,\"payload\":{\"text\":\"a\"}},{\"id\":2,\"payload\":{\"text\":\"b\"}}],\"next_page_offset\":null}")!,
            ("PUT", "/collections/{collection_name}") or ("DELETE", "/collections/{collection_name}") => JsonValue.Create(true),
            _ => JsonNode.Parse("{\"operation_id\":1,\"status\":\"completed\"}")!,
        };
        return new JsonObject { ["result"] = result, ["status"] = "ok", ["time"] = 0.001 }.ToJsonString();
    }
}

public class QdrantContractTests
{
    private static (QdrantVectorStore Store, RecordingHandler Handler) Create(int maxRequestBytes = 32 * 1024 * 1024)
    {
        var handler = new RecordingHandler();
        var store = new QdrantVectorStore(new QdrantOptions
        {
            Endpoint = new Uri("https://qdrant.example:6333"), ApiKey = "secret", HnswM = 32, HnswEfConstruct = 200, OnDiskVectors = true,
            RetryDelay = TimeSpan.FromMilliseconds(5), MaxRequestBytes = maxRequestBytes,
        }, handler);
        return (store, handler);
    }

    private static VectorRecord Record(string id, int dims = 3) => new(VectorKey.From(id), $"text of {id}",
        new Dictionary<string, object?> { ["id"] = id, ["year"] = 2020L, ["score"] = 0.5, ["tags"] = new[] { "a", "b" }, ["draft"] = false },
        Enumerable.Range(0, dims).Select(i => 0.1f * (i + 1)).ToArray());

    [Fact]
    public async Task EveryRequestBody_ValidatesAgainstTheOpenApiSchema_AndEveryAnswerParses()
    {
        var (store, handler) = Create();
        using var _ = store;
        var collection = (QdrantCollection)store.GetCollection("docs", new CollectionOptions(3));
        var filter = VectorFilter.And(VectorFilter.Equal("id", "doc-1"), VectorFilter.AnyOf("tags", "a", "c"), VectorFilter.Range("year", greaterOrEqual: 2000, less: 2030), VectorFilter.Equal("draft", false));

        await collection.EnsureAsync();                       // exists? no → create
        handler.Exists = true;
        await collection.EnsureAsync();                       // exists → check the config
        await collection.UpsertAsync(new[] { Record("doc-1"), Record("42") });
        var got = await collection.GetAsync(new[] { VectorKey.From("42"), VectorKey.From("doc-1") }, includeVectors: true);
        var hits = await collection.SearchAsync(new[] { 0.1f, 0.2f, 0.3f }, new VectorSearchOptions { Top = 5, Filter = filter, ScoreThreshold = 0.3, IncludeVectors = true });
        long count = await collection.CountAsync(filter);
        await collection.DeleteAsync(new[] { VectorKey.From("42") });
        await collection.DeleteAsync(filter);
        await collection.CreatePayloadIndexAsync("year", "integer");
        var scrolled = new List<VectorRecord>();
        await foreach (var r in collection.ScrollAsync(filter)) scrolled.Add(r);
        var names = await store.ListCollectionsAsync();
        await collection.DeleteCollectionAsync();

        foreach (var (method, path, body, apiKey) in handler.Requests)
        {
            Assert.Equal("secret", apiKey);
            if (body is not null)
            {
                Assert.True(OpenApiContract.HasRequestBody(method, path), $"{method} {path} sends a body the API does not take");
                var errors = OpenApiContract.ValidateRequest(method, path, body);
                Assert.True(errors.Count == 0, $"{method} {path}: {string.Join("; ", errors)}\n{body}");
            }

            var answerErrors = OpenApiContract.ValidateResponse(method, path, handler.Answer(method, path));
            Assert.True(answerErrors.Count == 0, $"canned answer of {method} {path}: {string.Join("; ", answerErrors)}");
        }

        Assert.Contains(handler.Requests, r => r.Method == HttpMethod.Put && r.Path == "/collections/docs/points?wait=true");
        Assert.Contains(handler.Requests, r => r.Path == "/collections/docs" && r.Method == HttpMethod.Put && r.Body!.Contains("\"hnsw_config\":{\"m\":32,\"ef_construct\":200}", StringComparison.Ordinal));
        Assert.Equal(new[] { "42" }, got.Select(r => r.Key.ToString()));
        Assert.True((bool)got[0].Metadata["flag"]!);
        Assert.Equal(2, hits.Count);
        Assert.Equal("first", hits[0].Record.Text);
        Assert.Equal(2020L, hits[0].Record.Metadata["year"]);
        Assert.Equal(new[] { 0.1f, 0.2f, 0.3f }, hits[0].Record.Vector);
        Assert.Equal(0.91, hits[0].Score);
        Assert.Equal(VectorKey.From(42UL), hits[1].Record.Key);
        Assert.Equal(7, count);
        Assert.Equal(2, scrolled.Count);
        Assert.Equal(new[] { "archive", "docs" }, names);
    }

    [Fact]
    public async Task Upserts_AreSplitUnderTheRequestSizeLimit()
    {
        var (store, handler) = Create(maxRequestBytes: 3000);
        using var _ = store;
        var collection = store.GetCollection("docs", new CollectionOptions(16));
        await collection.UpsertAsync(Enumerable.Range(0, 40).Select(i => Record($"doc-{i}", 16)).ToList());
        var upserts = handler.Requests.Where(r => r.Method == HttpMethod.Put).ToList();
        Assert.True(upserts.Count > 1);
        Assert.All(upserts, r => Assert.True(Encoding.UTF8.GetByteCount(r.Body!) <= 3000));
        Assert.Equal(40, upserts.Sum(r => JsonNode.Parse(r.Body!)!["points"]!.AsArray().Count));
    }

    [Fact]
    public async Task TransientErrors_AreRetried_AndLastingOnesBecomeOneLineErrors()
    {
        var (store, handler) = Create();
        using var _ = store;
        var collection = store.GetCollection("docs", new CollectionOptions(3));
        handler.Faults.Enqueue(HttpStatusCode.TooManyRequests);
        handler.Faults.Enqueue(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(7, await collection.CountAsync());
        Assert.Equal(3, handler.Requests.Count);

        for (int i = 0; i < 10; i++) handler.Faults.Enqueue(HttpStatusCode.BadGateway);
        var e = await Assert.ThrowsAsync<QdrantException>(() => collection.CountAsync());
        Assert.Contains("502 Service is overloaded (after 5 attempts)", e.Message);
        handler.Faults.Clear();
        handler.Faults.Enqueue(HttpStatusCode.Unauthorized);
        Assert.Contains("access denied (401); check the api-key", (await Assert.ThrowsAsync<QdrantException>(() => collection.CountAsync())).Message);
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(new[] { Record("x", 4) }));
    }

    [Fact]
    public void TheSchemaCheck_RejectsBodiesThatBreakTheContract()
    {
        Assert.NotEmpty(OpenApiContract.ValidateRequest(HttpMethod.Post, "/collections/docs/points/query", "{\"limit\": \"ten\"}"));
        Assert.NotEmpty(OpenApiContract.ValidateRequest(HttpMethod.Put, "/collections/docs/points?wait=true", "{\"points\": [{\"id\": 1.5, \"vector\": [0.1]}]}"));
        Assert.NotEmpty(OpenApiContract.ValidateRequest(HttpMethod.Post, "/collections/docs/points/count", "{\"filter\": {\"must\": [{\"key\": \"a\", \"match\": 3}]}}"));
        Assert.Empty(OpenApiContract.ValidateRequest(HttpMethod.Post, "/collections/docs/points/count", "{\"exact\": true}"));
    }
}
