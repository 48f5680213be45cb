using D2LLM.Models.Tests;
using D2LLM.Storage.Embedded;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Tests;

/// <summary>What only the embedded store promises: exact search, the file format and durability, several connections on one file.</summary>
public class EmbeddedStoreTests
{
    public sealed class Doc
    {
        [VectorStoreKey] public string Key { get; set; } = "";
        [VectorStoreData] public string Group { get; set; } = "";
        [VectorStoreData] public long Year { get; set; }
        [VectorStoreData] public string[] Tags { get; set; } = Array.Empty<string>();
        [VectorStoreVector(1)] public float[] Vector { get; set; } = Array.Empty<float>();
    }

    private static List<Doc> Docs(int count, int dims, int seed, int from = 0)
    {
        var rng = new Random(seed);
        return Enumerable.Range(from, count).Select(i => new Doc
        {
            Key = $"doc-{i}", Group = $"g{i % 3}", Year = 2000 + i % 20, Tags = new[] { $"t{i % 5}", "all" },
            Vector = Enumerable.Range(0, dims).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
        }).ToList();
    }

    /// <summary>The Doc collection with <paramref name="dims"/>-d vectors compared by <paramref name="function"/>.</summary>
    private static EmbeddedCollection<string, Doc> Docs(EmbeddedVectorStore store, int dims, string function = DistanceFunction.CosineSimilarity, string name = "docs") =>
        store.GetCollection<string, Doc>(name, new VectorStoreCollectionDefinition
        {
            Properties = new List<VectorStoreProperty>
            {
                new VectorStoreKeyProperty("Key", typeof(string)), new VectorStoreDataProperty("Group", typeof(string)),
                new VectorStoreDataProperty("Year", typeof(long)), new VectorStoreDataProperty("Tags", typeof(string[])),
                new VectorStoreVectorProperty("Vector", typeof(float[]), dims) { DistanceFunction = function },
            },
        });

    private static double Score(string function, float[] v, float[] q)
    {
        double dot = v.Zip(q, (a, b) => (double)a * b).Sum(), nv = Math.Sqrt(v.Sum(x => (double)x * x)), nq = Math.Sqrt(q.Sum(x => (double)x * x));
        double euclid = Math.Sqrt(v.Zip(q, (a, b) => ((double)a - b) * ((double)a - b)).Sum());
        return function switch
        {
            DistanceFunction.CosineSimilarity => dot / (nv * nq),
            DistanceFunction.CosineDistance => 1 - dot / (nv * nq),
            DistanceFunction.DotProductSimilarity => dot,
            DistanceFunction.NegativeDotProductSimilarity => -dot,
            DistanceFunction.EuclideanDistance => euclid,
            DistanceFunction.EuclideanSquaredDistance => euclid * euclid,
            _ => v.Zip(q, (a, b) => Math.Abs((double)a - b)).Sum(),
        };
    }

    private static bool HigherIsCloser(string function) => function is DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity;

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity)]
    [InlineData(DistanceFunction.CosineDistance)]
    [InlineData(DistanceFunction.DotProductSimilarity)]
    [InlineData(DistanceFunction.NegativeDotProductSimilarity)]
    [InlineData(DistanceFunction.EuclideanDistance)]
    [InlineData(DistanceFunction.EuclideanSquaredDistance)]
    [InlineData(DistanceFunction.ManhattanDistance)]
    public async Task Search_EqualsABruteForceFloat64Ranking_WithFiltersAndThreshold(string function)
    {
        using var dir = new TempDirectory();
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var collection = Docs(store, 24, function);
        await collection.EnsureCollectionExistsAsync();
        var docs = Docs(3000, 24, 1);
        await collection.UpsertAsync(docs);
        var query = Docs(1, 24, 99)[0].Vector;
        string[] groups = { "g0", "g2" };
        Func<Doc, bool> wanted = d => groups.Contains(d.Group) && d.Year >= 2005 && d.Year < 2015 && d.Tags.Contains("t1");
        var expected = docs.Where(wanted).Select(d => (d.Key, Score: Score(function, d.Vector, query)))
            .OrderBy(x => HigherIsCloser(function) ? -x.Score : x.Score).ToList();
        Assert.True(expected.Count > 30);
        var hits = await collection.SearchAsync(query, top: 10, new() { Filter = d => groups.Contains(d.Group) && d.Year >= 2005 && d.Year < 2015 && d.Tags.Contains("t1") }).ToListAsync();
        Assert.Equal(expected.Take(10).Select(e => e.Key), hits.Select(h => h.Record.Key));
        for (int i = 0; i < 10; i++) Assert.Equal(expected[i].Score, hits[i].Score!.Value, 4);
        Assert.Empty(hits[0].Record.Vector);

        double threshold = (expected[5].Score + expected[6].Score) / 2; // between the 6th and 7th: float32 rounding cannot move a hit across
        var above = await collection.SearchAsync(query, top: 50, new()
        {
            Filter = d => groups.Contains(d.Group) && d.Year >= 2005 && d.Year < 2015 && d.Tags.Contains("t1"), ScoreThreshold = threshold, IncludeVectors = true,
        }).ToListAsync();
        Assert.Equal(6, above.Count);
        var original = docs.First(d => d.Key == above[0].Record.Key).Vector;
        for (int i = 0; i < 24; i++) Assert.Equal(original[i], above[0].Record.Vector[i], 5); // given back as stored
    }

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity, false)]
    [InlineData(DistanceFunction.DotProductSimilarity, false)]
    [InlineData(DistanceFunction.CosineSimilarity, true)]
    public void SingleQuerySearch_WithTheFloat16FirstPass_IsStillExact(string function, bool nearTies)
    {
        var column = new VectorColumn(new VectorSchema("v", 16, function));
        var vectors = Docs(6000, 16, 7).Select(d => d.Vector).ToList();
        if (nearTies) // thousands of vectors a hair apart: the first pass cannot separate them, so it falls back
            vectors = vectors.Select((_, i) => vectors[0].Select(x => x + i * 1e-7f).ToArray()).ToList();
        for (int row = 0; row < vectors.Count; row++) column.Set(row, vectors[row]);
        var query = Docs(1, 16, 98)[0].Vector;
        Func<int, bool> group1 = row => row % 3 == 1;
        var expected = Enumerable.Range(0, vectors.Count).Where(group1).OrderByDescending(r => Score(function, vectors[r], query)).Take(10).ToList();
        var hits = column.SearchOne(query, 10, group1, threshold: null, halfPass: true);
        if (!nearTies) Assert.Equal(expected, hits.Select(h => h.Row));
        for (int i = 0; i < 10; i++) Assert.Equal(Score(function, vectors[expected[i]], query), hits[i].Score, 5);
        Assert.Equal(column.Search(new[] { query }, 10, group1, null)[0].Select(h => h.Score), hits.Select(h => h.Score));
    }

    [Fact]
    public async Task BatchedSearch_GivesEachQueryTheHitsOfItsOwnSearch()
    {
        using var dir = new TempDirectory();
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var collection = Docs(store, 12);
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(Docs(500, 12, 4));
        var queries = Docs(5, 12, 5).Select(d => new ReadOnlyMemory<float>(d.Vector)).ToList();
        var batched = await collection.SearchBatchAsync(queries, top: 7);
        for (int q = 0; q < queries.Count; q++)
        {
            var single = await collection.SearchAsync(queries[q], top: 7).ToListAsync();
            Assert.Equal(single.Select(h => (h.Record.Key, h.Score)), batched[q].Select(h => (h.Record.Key, h.Score)));
        }
    }

    [Fact]
    public async Task Records_SurviveReopening_AndReplaceByKey()
    {
        using var dir = new TempDirectory();
        var docs = Docs(50, 8, 2);
        using (var store = new EmbeddedVectorStore(dir.File("v.db")))
        {
            var c = Docs(store, 8);
            await c.EnsureCollectionExistsAsync();
            await c.UpsertAsync(docs);
            docs[0].Group = "replaced";
            await c.UpsertAsync(docs[0]);
        }

        using (var store = new EmbeddedVectorStore(dir.File("v.db")))
        {
            Assert.Equal(new[] { "docs" }, await store.ListCollectionNamesAsync().ToListAsync());
            var c = Docs(store, 8);
            Assert.Equal(50, await c.GetAsync(d => true, top: 100).CountAsync());
            var got = await c.GetAsync(new[] { "doc-0", "missing", "doc-7" }).ToListAsync();
            Assert.Equal(new[] { "replaced", "g1" }, got.Select(d => d.Group));
            Assert.Equal(2007L, got[1].Year);
            Assert.Equal(new[] { "t2", "all" }, got[1].Tags);
        }
    }

    [Fact]
    public async Task BadFiles_AndARecordTypeThatDoesNotFitTheCollection_FailWithOneClearLine()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.db"), "just some text, not a database at all........................................");
        Assert.Contains("not an SQLite database", Assert.Throws<InvalidDataException>(() => new EmbeddedVectorStore(dir.File("text.db"))).Message);

        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("other.db")};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TABLE people(name TEXT)";
            cmd.ExecuteNonQuery();
        }

        Assert.Contains("an SQLite file of another format", Assert.Throws<InvalidDataException>(() => new EmbeddedVectorStore(dir.File("other.db"))).Message);
        Assert.False(File.Exists(dir.File("other.db-wal")), "the foreign file was switched to WAL before being refused");

        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var c = Docs(store, 8);
        await c.EnsureCollectionExistsAsync();
        await c.UpsertAsync(Docs(3, 8, 3));
        var wrong = await Assert.ThrowsAsync<VectorStoreException>(() => c.UpsertAsync(Docs(1, 9, 4)));
        Assert.Contains("has a 9-dimensional 'Vector' vector, the collection holds 8", wrong.Message);
        Assert.Equal(("docs", "Upsert"), (wrong.CollectionName, wrong.OperationName));
        var reopened = Docs(store, 16);
        var misfit = await Assert.ThrowsAsync<VectorStoreException>(() => reopened.GetAsync(d => true, top: 1).ToListAsync().AsTask());
        Assert.Contains("holds 8-dimensional 'Vector' vectors, the record type declares 16", misfit.Message);
        var byDot = Docs(store, 8, DistanceFunction.DotProductSimilarity);
        Assert.Contains("compares 'Vector' by CosineSimilarity, the record type by DotProductSimilarity",
            (await Assert.ThrowsAsync<VectorStoreException>(() => byDot.GetAsync("doc-0"))).Message);
        var nan = Docs(1, 8, 5);
        nan[0].Vector[3] = float.NaN;
        Assert.Contains("non-finite", (await Assert.ThrowsAsync<VectorStoreException>(() => c.UpsertAsync(nan))).Message);
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
                var c = Docs(store, 8);
                await c.EnsureCollectionExistsAsync();
                await c.UpsertAsync(Docs(3, 8, round * 10 + i, from: 3 * i));
                return store;
            })));
            foreach (var store in opened)
            {
                Assert.Equal(new[] { "docs" }, await store.ListCollectionNamesAsync().ToListAsync());
                Assert.Equal(12, await Docs(store, 8).GetAsync(d => true, top: 100).CountAsync());
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
        var ca = Docs(a, 8);
        var cb = Docs(b, 8);
        await ca.EnsureCollectionExistsAsync();
        await ca.UpsertAsync(Docs(10, 8, 5));
        Assert.Equal(10, await cb.GetAsync(d => true, top: 1000).CountAsync());
        var docs = Docs(400, 8, 6);
        await Task.WhenAll(
            Task.Run(async () => { foreach (var chunk in docs.Take(200).Chunk(10)) await ca.UpsertAsync(chunk); }),
            Task.Run(async () => { foreach (var chunk in docs.Skip(200).Chunk(10)) await cb.UpsertAsync(chunk); }));
        Assert.Equal(400, await ca.GetAsync(d => true, top: 1000).CountAsync());
        Assert.Equal(400, await cb.GetAsync(d => true, top: 1000).CountAsync());
        var hit = await ca.SearchAsync(docs[399].Vector, top: 1).SingleAsync();
        Assert.Equal(docs[399].Key, hit.Record.Key);
        await cb.DeleteAsync(docs.Select(d => d.Key).Take(100));
        Assert.Equal(300, await ca.GetAsync(d => true, top: 1000).CountAsync());
    }

    [Fact]
    public async Task AVersion1File_IsUpgradedInPlace_AndReadsAsTheIndexLayout()
    {
        using var dir = new TempDirectory();
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("v1.db")};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE d2llm_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO d2llm_meta VALUES ('format', 'd2llm-vectors'), ('version', '1');
                CREATE TABLE collections(name TEXT PRIMARY KEY, dimensions INTEGER NOT NULL, distance TEXT NOT NULL);
                CREATE TABLE records(collection TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (collection, key));
                INSERT INTO collections VALUES ('documents', 3, 'Dot');
                """;
            cmd.ExecuteNonQuery();
            cmd.CommandText = "INSERT INTO records VALUES ('documents', $k, $t, $m, $v)";
            cmd.Parameters.AddWithValue("$k", StableKeys.FromId("doc-1").ToString("D"));
            cmd.Parameters.AddWithValue("$t", "the first document");
            cmd.Parameters.AddWithValue("$m", "{\"id\": \"doc-1\", \"year\": 2001, \"tags\": [\"a\", \"b\"]}");
            cmd.Parameters.AddWithValue("$v", new[] { 1f, 2f, 3f }.SelectMany(BitConverter.GetBytes).ToArray());
            cmd.ExecuteNonQuery();
        }

        using var store = new EmbeddedVectorStore(dir.File("v1.db"));
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = new List<VectorStoreProperty>
            {
                new VectorStoreKeyProperty("Key", typeof(Guid)), new VectorStoreDataProperty("id", typeof(string)), new VectorStoreDataProperty("text", typeof(string)),
                new VectorStoreDataProperty("year", typeof(long)), new VectorStoreDataProperty("tags", typeof(List<string>)),
                new VectorStoreVectorProperty("embedding", typeof(ReadOnlyMemory<float>), 3) { DistanceFunction = DistanceFunction.DotProductSimilarity },
            },
        };
        var hit = await store.GetDynamicCollection("documents", definition).SearchAsync(new[] { 1f, 0, 0 }, top: 1, new() { IncludeVectors = true }).SingleAsync();
        Assert.Equal(("doc-1", "the first document", 2001L), (hit.Record["id"], hit.Record["text"], hit.Record["year"]));
        Assert.Equal(new List<string> { "a", "b" }, hit.Record["tags"]);
        Assert.Equal(new[] { 1f, 2f, 3f }, ((ReadOnlyMemory<float>)hit.Record["embedding"]!).ToArray());
        Assert.Equal(1.0, hit.Score);
        Assert.Equal(StableKeys.FromId("doc-1"), hit.Record["Key"]);
    }
}
