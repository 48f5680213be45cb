using D2LLM.Models.Tests;
using D2LLM.Storage;
using D2LLM.Storage.Embedded;

namespace D2LLM.Storage.Tests;

public class EmbeddedStoreTests
{
    private static List<VectorRecord> Records(int count, int dims, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new VectorRecord(VectorKey.From($"doc-{i}"), $"text {i}",
            new Dictionary<string, object?> { ["id"] = $"doc-{i}", ["group"] = $"g{i % 3}", ["year"] = 2000L + i % 20, ["tags"] = new[] { $"t{i % 5}", "all" } },
            Enumerable.Range(0, dims).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray())).ToList();
    }

    [Theory]
    [InlineData(VectorDistance.Cosine)]
    [InlineData(VectorDistance.Dot)]
    [InlineData(VectorDistance.Euclidean)]
    public async Task Search_EqualsABruteForceFloat64Ranking_WithFiltersAndThreshold(VectorDistance distance)
    {
        using var dir = new TempDirectory();
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var collection = store.GetCollection("docs", new CollectionOptions(24, distance));
        var records = Records(3000, 24, 1);
        await collection.UpsertAsync(records);
        var query = Records(1, 24, 99)[0].Vector!;
        double Score(float[] v) => distance switch
        {
            VectorDistance.Cosine => v.Zip(query, (a, b) => (double)a * b).Sum() / Math.Sqrt(v.Sum(x => (double)x * x) * query.Sum(x => (double)x * x)),
            VectorDistance.Dot => v.Zip(query, (a, b) => (double)a * b).Sum(),
            _ => Math.Sqrt(v.Zip(query, (a, b) => ((double)a - b) * ((double)a - b)).Sum()),
        };
        var filter = VectorFilter.And(VectorFilter.AnyOf("group", "g0", "g2"), VectorFilter.Range("year", greaterOrEqual: 2005, less: 2015), VectorFilter.Equal("tags", "t1"));
        var expected = records.Where(r => filter.Matches(r.Metadata)).Select(r => (r.Key, Score: Score(r.Vector!)))
            .OrderBy(x => distance == VectorDistance.Euclidean ? x.Score : -x.Score).ToList();
        Assert.True(expected.Count > 30);
        var hits = await collection.SearchAsync(query, new VectorSearchOptions { Top = 10, Filter = filter });
        Assert.Equal(expected.Take(10).Select(e => e.Key), hits.Select(h => h.Record.Key));
        for (int i = 0; i < 10; i++) Assert.Equal(expected[i].Score, hits[i].Score, 4);
        Assert.Null(hits[0].Record.Vector);

        double threshold = (expected[5].Score + expected[6].Score) / 2; // between the 6th and 7th: float32 rounding cannot move a hit across
        var above = await collection.SearchAsync(query, new VectorSearchOptions { Top = 50, Filter = filter, ScoreThreshold = threshold, IncludeVectors = true });
        Assert.Equal(6, above.Count);
        var original = records.First(r => r.Key == above[0].Record.Key).Vector!;
        for (int i = 0; i < 24; i++) Assert.Equal(original[i], above[0].Record.Vector![i], 5); // given back as stored
    }

    [Theory]
    [InlineData(VectorDistance.Cosine, false)]
    [InlineData(VectorDistance.Dot, false)]
    [InlineData(VectorDistance.Cosine, true)]
    public async Task SingleQuerySearch_WithTheFloat16FirstPass_IsStillExact(VectorDistance distance, bool nearTies)
    {
        using var dir = new TempDirectory();
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var collection = store.GetCollection("docs", new CollectionOptions(16, distance));
        var records = Records(6000, 16, 7);
        if (nearTies) // thousands of vectors a hair apart: the first pass cannot separate them, so it falls back
            records = records.Select((r, i) => r with { Vector = records[0].Vector!.Select(x => x + i * 1e-7f).ToArray() }).ToList();
        await collection.UpsertAsync(records);
        var query = Records(1, 16, 98)[0].Vector!;
        double Score(float[] v) => distance == VectorDistance.Dot ? v.Zip(query, (a, b) => (double)a * b).Sum()
            : v.Zip(query, (a, b) => (double)a * b).Sum() / Math.Sqrt(v.Sum(x => (double)x * x) * query.Sum(x => (double)x * x));
        var filter = VectorFilter.Equal("group", "g1");
        var expected = records.Where(r => filter.Matches(r.Metadata)).OrderByDescending(r => Score(r.Vector!)).Take(10).ToList();
        var hits = await collection.SearchAsync(query, new VectorSearchOptions { Top = 10, Filter = filter });
        if (!nearTies) Assert.Equal(expected.Select(r => r.Key), hits.Select(h => h.Record.Key));
        for (int i = 0; i < 10; i++) Assert.Equal(Score(expected[i].Vector!), hits[i].Score, 5);
    }

    [Fact]
    public async Task Records_SurviveReopening_AndGetDeleteCountWork()
    {
        using var dir = new TempDirectory();
        var records = Records(50, 8, 2);
        using (var store = new EmbeddedVectorStore(dir.File("v.db")))
        {
            var c = store.GetCollection("docs", new CollectionOptions(8));
            await c.UpsertAsync(records);
            await c.UpsertAsync(new[] { records[0] with { Text = "replaced" } });
        }

        using (var store = new EmbeddedVectorStore(dir.File("v.db")))
        {
            Assert.Equal(new[] { "docs" }, await store.ListCollectionsAsync());
            var c = store.GetCollection("docs", new CollectionOptions(8));
            Assert.Equal(50, await c.CountAsync());
            var got = await c.GetAsync(new[] { VectorKey.From("doc-0"), VectorKey.From("missing"), VectorKey.From("doc-7") });
            Assert.Equal(new[] { "replaced", "text 7" }, got.Select(r => r.Text));
            Assert.Equal(2007L, got[1].Metadata["year"]);
            Assert.Equal(new[] { "t2", "all" }, (IEnumerable<string>)got[1].Metadata["tags"]!);
            await c.DeleteAsync(new[] { VectorKey.From("doc-0") });
            await c.DeleteAsync(VectorFilter.Equal("group", "g1"));
            Assert.Equal(50 - 1 - 17, await c.CountAsync());
            Assert.Equal(16, await c.CountAsync(VectorFilter.Equal("group", "g2")));
            await c.DeleteCollectionAsync();
            Assert.False(await c.ExistsAsync());
        }
    }

    [Fact]
    public async Task BadInput_FailsWithAClearMessage()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.db"), "just some text, not a database at all........................................");
        var e = Assert.Throws<InvalidDataException>(() => new EmbeddedVectorStore(dir.File("text.db")));
        Assert.Contains("not an SQLite database", e.Message);

        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("other.db")};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TABLE people(name TEXT)";
            cmd.ExecuteNonQuery();
        }

        Assert.Contains("an SQLite file of another format", Assert.Throws<InvalidDataException>(() => new EmbeddedVectorStore(dir.File("other.db"))).Message);

        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var c = store.GetCollection("docs", new CollectionOptions(8));
        await c.UpsertAsync(Records(3, 8, 3));
        var wrong = Assert.Throws<ArgumentException>(() => c.UpsertAsync(Records(1, 9, 4)).GetAwaiter().GetResult());
        Assert.Contains("9-dimensional vector, the collection holds 8", wrong.Message);
        var reopened = store.GetCollection("docs", new CollectionOptions(16));
        Assert.Contains("holds 8-dimensional Cosine vectors, not 16-dimensional", (await Assert.ThrowsAsync<InvalidDataException>(() => reopened.CountAsync())).Message);
        await Assert.ThrowsAsync<ArgumentException>(() => c.SearchAsync(new float[7]));
    }

    [Fact]
    public async Task ConnectionsOpeningANewFileAtOnce_AllGetTheWholeSchema_AndOneCollection()
    {
        using var dir = new TempDirectory();
        for (int round = 0; round < 25; round++)
        {
            string path = dir.File($"v{round}.db");
            using var start = new Barrier(4);
            var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                start.SignalAndWait();
                var store = new EmbeddedVectorStore(path);
                await store.GetCollection("docs", new CollectionOptions(8)).UpsertAsync(Records(3, 8, round * 10 + i));
                return store;
            })));
            foreach (var store in opened)
            {
                Assert.Equal(new[] { "docs" }, await store.ListCollectionsAsync());
                store.Dispose();
            }
        }
    }

    [Fact]
    public async Task TwoConnectionsOnOneFile_SeeEachOthersWrites_AndWritingAtOnceLosesNothing()
    {
        using var dir = new TempDirectory();
        using var a = new EmbeddedVectorStore(dir.File("v.db"));
        using var b = new EmbeddedVectorStore(dir.File("v.db"));
        var ca = a.GetCollection("docs", new CollectionOptions(8));
        var cb = b.GetCollection("docs", new CollectionOptions(8));
        await ca.UpsertAsync(Records(10, 8, 5));
        Assert.Equal(10, await cb.CountAsync());
        var records = Records(400, 8, 6);
        await Task.WhenAll(
            Task.Run(async () => { foreach (var chunk in records.Take(200).Chunk(10)) await ca.UpsertAsync(chunk); }),
            Task.Run(async () => { foreach (var chunk in records.Skip(200).Chunk(10)) await cb.UpsertAsync(chunk); }));
        Assert.Equal(400, await ca.CountAsync());
        Assert.Equal(400, await cb.CountAsync());
        var hit = await ca.SearchAsync(records[399].Vector!, new VectorSearchOptions { Top = 1 });
        Assert.Equal(records[399].Key, hit[0].Record.Key);
    }

    [Fact]
    public void StringKeys_MapToStableVersion5Uuids()
    {
        var key = VectorKey.From("doc-1");
        Assert.Equal(key, VectorKey.From("doc-1"));
        Assert.NotEqual(key, VectorKey.From("doc-2"));
        Assert.Equal('5', key.ToString()[14]);
        Assert.Equal(42UL, VectorKey.From("42").Number);
        Assert.Equal(Guid.Parse("6f0b5c2e-3d1a-4c8e-9b7a-2d4e6f8a0c1b"), VectorKey.From("6f0b5c2e-3d1a-4c8e-9b7a-2d4e6f8a0c1b").Uuid);
    }
}
