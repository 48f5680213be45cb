using D2LLM.Storage.Qdrant;

namespace D2LLM.Storage.Tests;

/// <summary>Runs only when QDRANT_URL points at a live server (see README: docker run -p 6333:6333 qdrant/qdrant).</summary>
public sealed class QdrantFactAttribute : FactAttribute
{
    public QdrantFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("QDRANT_URL"))) Skip = "QDRANT_URL is not set";
    }
}

public class QdrantLiveTests
{
    [QdrantFact]
    public async Task AgainstALiveServer_TheCollectionRoundTripsAndSearchesLikeTheEmbeddedStore()
    {
        using var store = new QdrantVectorStore(new QdrantOptions
        {
            Endpoint = new Uri(Environment.GetEnvironmentVariable("QDRANT_URL")!), ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
        });
        var collection = (QdrantCollection)store.GetCollection($"d2llm-test-{Guid.NewGuid():N}", new CollectionOptions(8));
        try
        {
            await collection.EnsureAsync();
            await collection.CreatePayloadIndexAsync("group");
            var rng = new Random(3);
            var records = Enumerable.Range(0, 300).Select(i => new VectorRecord(VectorKey.From($"doc-{i}"), $"text {i}",
                new Dictionary<string, object?> { ["id"] = $"doc-{i}", ["group"] = $"g{i % 3}", ["year"] = 2000L + i % 20 },
                Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray())).ToList();
            await collection.UpsertAsync(records);
            Assert.Equal(300, await collection.CountAsync());
            Assert.Equal(100, await collection.CountAsync(VectorFilter.Equal("group", "g1")));
            var got = await collection.GetAsync(new[] { VectorKey.From("doc-7") });
            Assert.Equal("text 7", got.Single().Text);

            using var dir = new D2LLM.Models.Tests.TempDirectory();
            using var embedded = new Embedded.EmbeddedVectorStore(dir.File("v.db"));
            var local = embedded.GetCollection("docs", new CollectionOptions(8));
            await local.UpsertAsync(records);
            var filter = VectorFilter.Range("year", greaterOrEqual: 2005);
            var expected = await local.SearchAsync(records[11].Vector!, new VectorSearchOptions { Top = 5, Filter = filter });
            var actual = await collection.SearchAsync(records[11].Vector!, new VectorSearchOptions { Top = 5, Filter = filter });
            Assert.Equal(expected.Select(h => h.Record.Key), actual.Select(h => h.Record.Key));
            await collection.DeleteAsync(VectorFilter.Equal("group", "g0"));
            Assert.Equal(200, await collection.CountAsync());
        }
        finally
        {
            await collection.DeleteCollectionAsync();
        }
    }
}
