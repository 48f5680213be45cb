using D2LLM.Models.Tests;
using D2LLM.Storage.Embedded;
using D2LLM.Storage.Qdrant;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Qdrant.Client;

namespace D2LLM.Storage.Tests.VectorData;

/// <summary>
/// The VectorData behaviour suite: the same cases against every store this machine can reach: the embedded store
/// always, Qdrant when QDRANT_URL names a server (gRPC port, e.g. http://localhost:6334; QDRANT_API_KEY if it needs
/// one). Each case gets a fresh collection.
/// </summary>
public sealed class VectorStoreBehaviourTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<IDisposable> _owned = new();

    public static TheoryData<string> Stores()
    {
        var stores = new TheoryData<string> { "embedded" };
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("QDRANT_URL"))) stores.Add("qdrant");
        return stores;
    }

    public static TheoryData<string, Type> StoresAndKeyTypes()
    {
        var data = new TheoryData<string, Type>();
        foreach (var key in new[] { typeof(string), typeof(Guid), typeof(int), typeof(long) }) data.Add("embedded", key);
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("QDRANT_URL")))
            foreach (var key in new[] { typeof(Guid), typeof(ulong) }) data.Add("qdrant", key);
        return data;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [MemberData(nameof(StoresAndKeyTypes))]
    public async Task Crud_WorksWithEachKeyTypeTheStoreHolds(string kind, Type keyType) =>
        await (Task)typeof(VectorStoreBehaviourTests).GetMethod(nameof(CrudWith), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(keyType).Invoke(this, new object[] { kind })!;

    private async Task CrudWith<TKey>(string kind)
        where TKey : notnull
    {
        var collection = Store(kind).GetCollection<TKey, Hotel<TKey>>(Name());
        Assert.False(await collection.CollectionExistsAsync());
        await collection.EnsureCollectionExistsAsync();
        await collection.EnsureCollectionExistsAsync();
        Assert.True(await collection.CollectionExistsAsync());
        var hotels = Hotels<TKey>(5);
        await collection.UpsertAsync(hotels[0]);
        await collection.UpsertAsync(hotels.Skip(1));
        var got = await collection.GetAsync(hotels[2].Key, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.NotNull(got);
        AssertSame(hotels[2], got);
        AssertVector(kind, hotels[2].Embedding, got.Embedding);
        Assert.True((await collection.GetAsync(hotels[2].Key))!.Embedding.IsEmpty);

        hotels[2].Name = "renamed";
        await collection.UpsertAsync(hotels[2]);
        Assert.Equal("renamed", (await collection.GetAsync(hotels[2].Key))!.Name);

        var some = await collection.GetAsync(new[] { hotels[4].Key, Key<TKey>(999), hotels[0].Key }).ToListAsync();
        Assert.Equal(new[] { hotels[4].Key, hotels[0].Key }.OrderBy(k => k.ToString()), some.Select(h => h.Key).OrderBy(k => k.ToString()));

        await collection.DeleteAsync(hotels[0].Key);
        await collection.DeleteAsync(new[] { hotels[1].Key, Key<TKey>(998) });
        Assert.Null(await collection.GetAsync(hotels[0].Key));
        Assert.Equal(3, await collection.GetAsync(h => true, top: 100).CountAsync());

        await collection.EnsureCollectionDeletedAsync();
        await collection.EnsureCollectionDeletedAsync();
        Assert.False(await collection.CollectionExistsAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Search_RanksByTheDistanceFunction_WithTopSkipFilterThresholdAndVectorsOnRequest(string kind)
    {
        var collection = await Hotels(kind, 40);
        var query = new ReadOnlyMemory<float>(new[] { 1f, 0.5f, -0.25f, 0.1f });
        var all = Hotels<Guid>(40);
        var expected = all.Where(h => h.Rating >= 2).Select(h => (h.Key, Score: Cosine(h.Embedding.Span, query.Span))).OrderByDescending(x => x.Score).ToList();

        var hits = await collection.SearchAsync(query, top: 5, new() { Filter = h => h.Rating >= 2, Skip = 2 }).ToListAsync();
        Assert.Equal(expected.Skip(2).Take(5).Select(e => e.Key), hits.Select(h => h.Record.Key));
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i + 2].Score, hits[i].Score!.Value, 4);
        Assert.True(hits[0].Record.Embedding.IsEmpty);

        double threshold = (expected[3].Score + expected[4].Score) / 2;
        var above = await collection.SearchAsync(query, top: 20, new() { Filter = h => h.Rating >= 2, ScoreThreshold = threshold, IncludeVectors = true }).ToListAsync();
        Assert.Equal(4, above.Count);
        AssertVector(kind, all.First(h => h.Key == above[0].Record.Key).Embedding, above[0].Record.Embedding);

        var asArray = await collection.SearchAsync(query.ToArray(), top: 1).SingleAsync();
        var asEmbedding = await collection.SearchAsync(new Embedding<float>(query), top: 1).SingleAsync();
        Assert.Equal(asArray.Record.Key, asEmbedding.Record.Key);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task EveryFilterOperator_SelectsWhatLinqOverTheSameRecordsSelects(string kind)
    {
        var collection = await Hotels(kind, 30);
        var all = Hotels<Guid>(30);
        string[] names = { "hotel 3", "hotel 7", "hotel 11" };
        var wanted = new List<string> { "pool", "spa" };
        int minRating = 3;
        var since = new DateTimeOffset(2020, 1, 10, 0, 0, 0, TimeSpan.Zero);
        var cases = new (string Name, System.Linq.Expressions.Expression<Func<Hotel<Guid>, bool>> Filter)[]
        {
            ("==", h => h.Name == "hotel 4"),
            ("!=", h => h.Rating != 2),
            ("<", h => h.Price < 120.5),
            ("<=", h => h.Rating <= 1),
            (">", h => h.Rating > minRating),
            (">=", h => h.Price >= 150),
            ("&&", h => h.Open && h.Rating >= 2),
            ("||", h => h.Rating == 0 || h.Name == "hotel 5"),
            ("!", h => !(h.Rating == 1)),
            ("! bool", h => !h.Open),
            ("list field Contains", h => h.Tags.Contains("spa")),
            ("captured array Contains", h => names.Contains(h.Name)),
            ("list field Any in list", h => h.Tags.Any(t => wanted.Contains(t))),
            ("date range", h => h.Opened >= since),
            ("constant on the left", h => 2 < h.Rating),
            ("storage name", h => h.City == "Lyon"),
            ("null", h => h.City == null),
            ("not null", h => h.City != null),
            ("nested", h => (h.Rating == 1 || h.Rating == 4) && !(h.Tags.Contains("pool") || h.Price > 160)),
        };
        foreach (var (name, filter) in cases)
        {
            var expected = all.Where(filter.Compile()).Select(h => h.Key).OrderBy(k => k).ToList();
            Assert.True(expected.Count > 0 && expected.Count < all.Count, $"case {name} selects {expected.Count} of {all.Count}: not a test");
            var got = await collection.GetAsync(filter, top: 100).Select(h => h.Key).OrderBy(k => k).ToListAsync();
            Assert.True(expected.SequenceEqual(got), $"filter {name}: expected {string.Join(",", expected.Select(k => k.ToString()[..8]))} got {string.Join(",", got.Select(k => k.ToString()[..8]))}");
            var searched = await collection.SearchAsync(new[] { 1f, 0, 0, 0 }, top: 100, new() { Filter = filter }).Select(h => h.Record.Key).OrderBy(k => k).ToListAsync();
            Assert.True(expected.SequenceEqual(searched), $"search filter {name}");
        }

        await Assert.ThrowsAsync<NotSupportedException>(() => collection.GetAsync(h => h.Name.StartsWith("hotel"), top: 10).ToListAsync().AsTask());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task GetByFilter_TakesTopAndSkip_InTheOrderAsked(string kind)
    {
        var collection = await Hotels(kind, 20);
        var all = Hotels<Guid>(20);
        var expected = all.Where(h => h.Open).OrderByDescending(h => h.Rating).ThenBy(h => h.Price).Skip(2).Take(4).Select(h => h.Key).ToList();
        var got = await collection.GetAsync(h => h.Open, top: 4, new FilteredRecordRetrievalOptions<Hotel<Guid>>
        {
            Skip = 2, OrderBy = o => o.Descending(h => h.Rating).Ascending(h => h.Price),
        }).Select(h => h.Key).ToListAsync();
        Assert.Equal(expected, got);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DynamicRecords_RoundTripThroughADefinition_AndSeeTheSameCollectionAsTheTypedView(string kind)
    {
        var store = Store(kind);
        string name = Name();
        var typed = store.GetCollection<Guid, Hotel<Guid>>(name);
        await typed.EnsureCollectionExistsAsync();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = new List<VectorStoreProperty>
            {
                new VectorStoreKeyProperty("Key", typeof(Guid)),
                new VectorStoreDataProperty("Name", typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty("Rating", typeof(int)) { IsIndexed = true },
                new VectorStoreDataProperty("Tags", typeof(List<string>)),
                new VectorStoreDataProperty("City", typeof(string)) { StorageName = "city_name" },
                new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 4),
            },
        };
        var dynamic = store.GetDynamicCollection(name, definition);
        var key = Guid.NewGuid();
        await dynamic.UpsertAsync(new Dictionary<string, object?>
        {
            ["Key"] = key, ["Name"] = "dynamic", ["Rating"] = 4, ["Tags"] = new List<string> { "a", "b" }, ["City"] = "Oslo",
            ["Embedding"] = new ReadOnlyMemory<float>(new[] { 0f, 1, 0, 0 }),
        });
        var back = await dynamic.GetAsync((object)key, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.NotNull(back);
        Assert.Equal("dynamic", back["Name"]);
        Assert.Equal(4, back["Rating"]);
        Assert.Equal(new List<string> { "a", "b" }, back["Tags"]);
        Assert.Equal(new[] { 0f, 1, 0, 0 }, ((ReadOnlyMemory<float>)back["Embedding"]!).ToArray());
        var viaTyped = await typed.GetAsync(key);
        Assert.Equal(("dynamic", 4, "Oslo"), (viaTyped!.Name, viaTyped.Rating, viaTyped.City));
        Assert.Single(await dynamic.GetAsync(r => (int)r["Rating"]! == 4 && (string)r["City"]! == "Oslo", top: 10).ToListAsync());
        var hit = await dynamic.SearchAsync(new[] { 0f, 1, 0, 0 }, top: 1).SingleAsync();
        Assert.Equal(key, hit.Record["Key"]);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task SeveralVectors_AreSearchedByTheOneNamed(string kind)
    {
        var collection = Store(kind).GetCollection<Guid, TwoVectors>(Name());
        await collection.EnsureCollectionExistsAsync();
        var a = new TwoVectors { Key = Guid.NewGuid(), Text = "a", Small = new[] { 1f, 0, 0 }, Large = new[] { 0f, 0, 0, 0, 2 } };
        var b = new TwoVectors { Key = Guid.NewGuid(), Text = "b", Small = new[] { 0f, 1, 0 }, Large = new[] { 3f, 0, 0, 0, 0 } };
        await collection.UpsertAsync(new[] { a, b });
        var bySmall = await collection.SearchAsync(new[] { 1f, 0.1f, 0 }, top: 1, new() { VectorProperty = r => r.Small }).SingleAsync();
        var byLarge = await collection.SearchAsync(new[] { 1f, 0, 0, 0, 0 }, top: 2, new() { VectorProperty = r => r.Large, IncludeVectors = true }).ToListAsync();
        Assert.Equal("a", bySmall.Record.Text);
        Assert.Equal("b", byLarge[0].Record.Text);
        Assert.Equal(3.0, byLarge[0].Score!.Value, 5);
        Assert.Equal(new[] { 3f, 0, 0, 0, 0 }, byLarge[0].Record.Large);
        await Assert.ThrowsAsync<InvalidOperationException>(() => collection.SearchAsync(new[] { 1f, 0, 0 }, top: 1).ToListAsync().AsTask());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AStringVectorProperty_IsEmbeddedByTheStoresGenerator_OncePerBatch_AndSearchesTakeText(string kind)
    {
        var generator = new HashEmbeddingGenerator();
        var collection = Store(kind, generator).GetCollection<Guid, Note>(Name());
        await collection.EnsureCollectionExistsAsync();
        var notes = new[] { "red apples and pears", "a blue bicycle chain", "green tea leaves", "apples in the red basket" }
            .Select(t => new Note { Key = Guid.NewGuid(), Text = t, Embedding = t }).ToList();
        await collection.UpsertAsync(notes);
        Assert.Equal((1, 4), (generator.Calls, generator.Texts));
        var hits = await collection.SearchAsync("red apples", top: 2).ToListAsync();
        Assert.Equal(new[] { "red apples and pears", "apples in the red basket" }.Order(), hits.Select(h => h.Record.Text).Order());
        await Assert.ThrowsAsync<NotSupportedException>(() => collection.SearchAsync("x", top: 1, new() { IncludeVectors = true }).ToListAsync().AsTask());

        // A generator on the vector property itself (a definition's), with none on the store.
        var own = new HashEmbeddingGenerator();
        var byProperty = Store(kind).GetDynamicCollection(Name(), new VectorStoreCollectionDefinition
        {
            Properties = new List<VectorStoreProperty>
            {
                new VectorStoreKeyProperty("Key", typeof(Guid)), new VectorStoreDataProperty("Text", typeof(string)),
                new VectorStoreVectorProperty("Embedding", typeof(string), HashEmbeddingGenerator.Dimensions) { EmbeddingGenerator = own },
            },
        });
        await byProperty.EnsureCollectionExistsAsync();
        await byProperty.UpsertAsync(notes.Select(n => new Dictionary<string, object?> { ["Key"] = n.Key, ["Text"] = n.Text, ["Embedding"] = n.Text }));
        Assert.Equal((1, 4), (own.Calls, own.Texts));
        Assert.Equal("a blue bicycle chain", (await byProperty.SearchAsync("blue chain", top: 1).SingleAsync()).Record["Text"]);

        // A native vector property with a generator on the collection: stored vectors come from the app, search text is embedded.
        var hotels = Store(kind, generator).GetCollection<Guid, Hotel<Guid>>(Name());
        await hotels.EnsureCollectionExistsAsync();
        await Assert.ThrowsAsync<VectorStoreException>(() => hotels.SearchAsync("four dims? no: sixteen", top: 1).ToListAsync().AsTask());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AMissingCollection_AndAVectorOfTheWrongSize_FailWithVectorStoreException(string kind)
    {
        var missing = Store(kind).GetCollection<Guid, Hotel<Guid>>(Name());
        var e = await Assert.ThrowsAsync<VectorStoreException>(() => missing.UpsertAsync(Hotels<Guid>(1)[0]));
        Assert.Equal(missing.Name, e.CollectionName);
        Assert.NotNull(e.VectorStoreSystemName);
        await Assert.ThrowsAsync<VectorStoreException>(() => missing.SearchAsync(new[] { 1f, 0, 0, 0 }, top: 1).ToListAsync().AsTask());

        var collection = await Hotels(kind, 3);
        var wrong = Hotels<Guid>(1)[0];
        wrong.Embedding = new[] { 1f, 2, 3 };
        var mismatch = await Assert.ThrowsAsync<VectorStoreException>(() => collection.UpsertAsync(wrong));
        Assert.Contains("dimension", mismatch.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<VectorStoreException>(() => collection.SearchAsync(new[] { 1f, 0 }, top: 1).ToListAsync().AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => collection.SearchAsync(new[] { 1f, 0, 0, 0 }, top: 0).ToListAsync().AsTask());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AnEmptyGuidKey_IsGenerated_AndWrittenBackToTheRecord(string kind)
    {
        var collection = Store(kind).GetCollection<Guid, Hotel<Guid>>(Name());
        await collection.EnsureCollectionExistsAsync();
        var hotel = Hotels<Guid>(1)[0];
        hotel.Key = Guid.Empty;
        await collection.UpsertAsync(hotel);
        Assert.NotEqual(Guid.Empty, hotel.Key);
        Assert.Equal(hotel.Name, (await collection.GetAsync(hotel.Key))!.Name);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ConcurrentWriters_LoseNothing(string kind)
    {
        var store = Store(kind);
        string name = Name();
        await store.GetCollection<Guid, Hotel<Guid>>(name).EnsureCollectionExistsAsync();
        var hotels = Hotels<Guid>(200);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = store.GetCollection<Guid, Hotel<Guid>>(name);
            foreach (var chunk in hotels.Where((_, i) => i % 4 == w).Chunk(10)) await mine.UpsertAsync(chunk);
        })));
        Assert.Equal(200, await store.GetCollection<Guid, Hotel<Guid>>(name).GetAsync(h => true, top: 1000).CountAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task StoreLevel_ListsExistsAndDeletesCollections_AndReportsMetadata(string kind)
    {
        var store = Store(kind);
        string name = Name();
        await store.GetCollection<Guid, Hotel<Guid>>(name).EnsureCollectionExistsAsync();
        Assert.Contains(name, await store.ListCollectionNamesAsync().ToListAsync());
        Assert.True(await store.CollectionExistsAsync(name));
        await store.EnsureCollectionDeletedAsync(name);
        Assert.False(await store.CollectionExistsAsync(name));
        var metadata = (VectorStoreMetadata)store.GetService(typeof(VectorStoreMetadata))!;
        Assert.Equal(kind == "qdrant" ? "qdrant" : "d2llm-embedded", metadata.VectorStoreSystemName);
        var collectionMetadata = (VectorStoreCollectionMetadata)store.GetCollection<Guid, Hotel<Guid>>(name).GetService(typeof(VectorStoreCollectionMetadata))!;
        Assert.Equal(name, collectionMetadata.CollectionName);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task HybridSearch_FusesKeywordAndVectorRanksByReciprocalRank(string kind)
    {
        var collection = await Hotels(kind, 30);
        if (collection is not IKeywordHybridSearchable<Hotel<Guid>> hybrid) return; // Qdrant's hybrid search is the connector's RRF over a text index, not BM25: not offered
        var query = new[] { 0.2f, -0.9f, 0.3f, 0.1f };
        var vectorRank = (await collection.SearchAsync(query, top: 30).ToListAsync()).Select((h, i) => (h.Record.Name, Rank: i + 1)).ToDictionary(x => x.Name, x => x.Rank);
        // "sauna" is in the descriptions of hotels 6, 13, 20, 27 only, each as often in as long a text: BM25 ties, broken by insertion order.
        var keywordRank = new[] { "hotel 6", "hotel 13", "hotel 20", "hotel 27" }.Select((n, i) => (n, Rank: i + 1)).ToDictionary(x => x.n, x => x.Rank);
        var expected = vectorRank.Select(v => (v.Key, Score: 1.0 / (60 + v.Value) + (keywordRank.TryGetValue(v.Key, out int k) ? 1.0 / (60 + k) : 0)))
            .OrderByDescending(x => x.Score).Take(5).ToList();
        var fused = await hybrid.HybridSearchAsync(query, new[] { "sauna" }, top: 5).ToListAsync();
        Assert.Equal(expected.Select(e => e.Key), fused.Select(h => h.Record.Name));
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i].Score, fused[i].Score!.Value, 10);
        Assert.All(fused.Take(4), h => Assert.Contains("sauna", h.Record.Description));
        var filtered = await hybrid.HybridSearchAsync(query, new[] { "sauna" }, top: 10, new() { Filter = h => h.Rating != 1 }).ToListAsync();
        Assert.DoesNotContain(filtered, h => h.Record.Name == "hotel 6");
        Assert.Equal(10, filtered.Count);
    }

    private async Task<VectorStoreCollection<Guid, Hotel<Guid>>> Hotels(string kind, int count)
    {
        var collection = Store(kind).GetCollection<Guid, Hotel<Guid>>(Name());
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(Hotels<Guid>(count));
        return collection;
    }

    /// <summary>Deterministic hotels: hotel i has rating i % 5, price 100 + 3i, tags by i % 3, "sauna" when i % 7 == 6, a city for even i.</summary>
    private static List<Hotel<TKey>> Hotels<TKey>(int count)
    {
        var rng = new Random(11);
        return Enumerable.Range(0, count).Select(i => new Hotel<TKey>
        {
            Key = Key<TKey>(i), Name = $"hotel {i}", Rating = i % 5, Price = 100 + 3 * i + 0.25, Open = i % 4 != 0,
            Tags = (i % 3) switch { 0 => new() { "pool", "bar" }, 1 => new() { "spa" }, _ => new() { "bar" } },
            Description = i % 7 == 6 ? $"rooms {i} with a sauna" : $"rooms {i} near the station",
            Opened = new DateTimeOffset(2020, 1, 1, 12, 0, 0, TimeSpan.FromHours(i % 3)).AddDays(i),
            City = i % 2 == 0 ? (i % 4 == 0 ? "Lyon" : "Oslo") : null,
            Embedding = Enumerable.Range(0, 4).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
        }).ToList();
    }

    private static TKey Key<TKey>(int i) => (TKey)(object)(typeof(TKey) switch
    {
        var t when t == typeof(string) => $"key-{i}",
        var t when t == typeof(Guid) => new Guid(i + 1, 0, 0, new byte[8]), // not Guid.Empty: an empty Guid key is generated afresh
        var t when t == typeof(int) => i,
        var t when t == typeof(long) => 10_000_000_000L + i,
        var t when t == typeof(ulong) => (object)(ulong)(i + 1),
        var t => throw new NotSupportedException(t.Name),
    });

    private static void AssertSame<TKey>(Hotel<TKey> expected, Hotel<TKey> actual)
    {
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal((expected.Name, expected.Rating, expected.Price, expected.Open, expected.Description, expected.City),
            (actual.Name, actual.Rating, actual.Price, actual.Open, actual.Description, actual.City));
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Opened, actual.Opened);
    }

    /// <summary>A vector given back: as stored (the embedded store), or at unit length (Qdrant normalises cosine vectors on insert).</summary>
    private static void AssertVector(string kind, ReadOnlyMemory<float> stored, ReadOnlyMemory<float> got)
    {
        var expected = stored.ToArray();
        if (kind == "qdrant") expected = expected.Select(x => x / MathF.Sqrt(stored.ToArray().Sum(y => y * y))).ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got.Span[i], 5);
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) (dot, na, nb) = (dot + (double)a[i] * b[i], na + (double)a[i] * a[i], nb + (double)b[i] * b[i]);
        return dot / Math.Sqrt(na * nb);
    }

    private string Name() => $"t{Guid.NewGuid():N}"[..16];

    private VectorStore Store(string kind, IEmbeddingGenerator? generator = null)
    {
        VectorStore store = kind switch
        {
            "embedded" => new EmbeddedVectorStore(_dir.File("store.db"), new EmbeddedVectorStoreOptions { EmbeddingGenerator = generator }),
            _ => new QdrantVectorStore(new QdrantClient(new Uri(Environment.GetEnvironmentVariable("QDRANT_URL")!), Environment.GetEnvironmentVariable("QDRANT_API_KEY")),
                ownsClient: true, new QdrantVectorStoreOptions { EmbeddingGenerator = generator }),
        };
        _owned.Add(store);
        return store;
    }
}
