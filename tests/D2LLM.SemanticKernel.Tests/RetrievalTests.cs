using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text.Json;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Storage.Embedded;
using D2LLM.Student;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel.Tests;

public class RetrievalTests
{
    private static readonly string[] Texts = TestModels.Texts;

    [Fact]
    public async Task MemoryTools_TakeJsonArguments_WithAndWithoutTheOptionalOnes_WhichTheSchemaMarksOptional()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path));
        using var store = new EmbeddedVectorStore(dir.File("memory.db"));
        var pipeline = MemoryPipeline.Open(store, "memory", generator, options: new RetrievalOptions<MemoryRecord> { Top = 3 });
        var tools = MemoryTools.Create(pipeline).ToDictionary(t => t.Name);
        Assert.Equal(new[] { "memory_save", "memory_search" }, tools.Keys.Order());
        Assert.Equal(new[] { "query" }, Required(tools["memory_search"]));
        Assert.Equal(new[] { "text" }, Required(tools["memory_save"]));

        foreach (var (text, i) in Texts.Take(10).Select((t, i) => (t, i)))
            await tools["memory_save"].InvokeAsync(Arguments($"{{\"text\": \"{text}\", \"id\": \"m{i}\"}}"));
        var unnamed = JsonSerializer.SerializeToElement(await tools["memory_save"].InvokeAsync(Arguments("{\"text\": \"a note without an id\"}")));
        Assert.Equal(32, unnamed.GetString()!.Length);

        var two = JsonSerializer.SerializeToElement(await tools["memory_search"].InvokeAsync(Arguments($"{{\"query\": \"{Texts[7]}\", \"top\": 2}}")));
        Assert.Equal(2, two.GetArrayLength());
        Assert.Equal("m7", two[0].GetProperty("id").GetString());
        Assert.Equal(Texts[7], two[0].GetProperty("text").GetString());
        Assert.Equal(1.0, two[0].GetProperty("score").GetDouble(), 3);
        var byDefault = JsonSerializer.SerializeToElement(await tools["memory_search"].InvokeAsync(Arguments($"{{\"query\": \"{Texts[7]}\"}}")));
        Assert.Equal(5, byDefault.GetArrayLength());
    }

    [Fact]
    public async Task AReranked_Search_MakesOneBackbonePassPerQuery_AndRanksAsTheIemOverFreshEmbeddings()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        using var student = StudentModel.Load(TestModels.Student(folder.Path, dir.File("student")));
        var counting = new CountingGenerator(D2Llm.FromStudent(student));
        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        var pipeline = MemoryPipeline.Open(store, "docs", counting, new IemReranker(student), new RetrievalOptions<MemoryRecord> { Top = 4, Candidates = 12 });
        foreach (var (text, i) in Texts.Select((t, i) => (t, i))) await pipeline.SaveAsync(text, $"d{i}");

        int before = counting.Texts;
        var hits = await pipeline.SearchAsync("topic 3");
        Assert.Equal(1, counting.Texts - before);

        // The same candidates reranked from scratch (query and passages embedded anew) give the same order and scores.
        var candidates = await pipeline.Collection.SearchAsync(new ReadOnlyMemory<float>(student.Embed(new[] { "topic 3" })), top: 12).Select(h => h.Record.Text).ToListAsync();
        var fresh = await new IemReranker(student).RerankAsync("topic 3", candidates.Select(t => new RetrievalChunk(t)).ToList());
        Assert.Equal(fresh.Take(4).Select(c => c.Content), hits.Select(h => h.Text));
        for (int i = 0; i < 4; i++) Assert.Equal(fresh[i].Score, hits[i].Score, 4);

        // Vectors from another generator are not trusted: the IEM embeds for itself (two more passes here: query, passages).
        using var other = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path));
        var chunks = candidates.Select(t => new RetrievalChunk(t, vector: new float[16])).ToList();
        var untrusted = await new IemReranker(student).RerankAsync("topic 3", chunks, new RerankOptions { QueryVector = new float[16], VectorsFrom = other });
        Assert.Equal(fresh.Select(c => c.Content), untrusted.Select(c => c.Content));
    }

    [Fact]
    public async Task ThePipeline_RunsOverAThirdPartyCollection_WithItsFilter()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path));
        var collection = new ListCollection();
        var vectors = await generator.GenerateAsync(Texts);
        for (int i = 0; i < Texts.Length; i++) collection.Records.Add(new Note { Key = i, Body = Texts[i], Topic = i % 5, Vector = vectors[i].Vector });
        var pipeline = new RetrievalPipeline<int, Note>(collection, generator, options: new RetrievalOptions<Note> { Filter = n => n.Topic != 1 });
        var hits = await pipeline.SearchAsync(Texts[6], top: 3, filter: n => n.Key < 20);
        Assert.Equal(3, hits.Count);
        Assert.DoesNotContain(hits, h => h.Record.Topic == 1 || h.Record.Key >= 20);
        var query = (await generator.GenerateAsync(new[] { Texts[6] }, new EmbeddingGenerationOptions { AdditionalProperties = new() { ["input_type"] = "query" } }))[0].Vector;
        var expected = collection.Records.Where(n => n.Topic != 1 && n.Key < 20).OrderByDescending(n => ListCollection.Cosine(n.Vector.Span, query.ToArray())).Take(3);
        Assert.Equal(expected.Select(n => n.Body), hits.Select(h => h.Text));
    }

    private static string[] Required(AIFunction function) =>
        function.JsonSchema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(e => e.GetString()!).Order().ToArray() : Array.Empty<string>();

    private static AIFunctionArguments Arguments(string json) => new(JsonSerializer.Deserialize<Dictionary<string, object?>>(json)!);

    /// <summary>A record of the third-party collection below (its own attributes are VectorData's; nothing of ours).</summary>
    public sealed class Note
    {
        [VectorStoreKey] public int Key { get; set; }
        [VectorStoreData] public string Body { get; set; } = "";
        [VectorStoreData] public int Topic { get; set; }
        [VectorStoreVector(16)] public ReadOnlyMemory<float> Vector { get; set; }
    }

    /// <summary>A minimal provider written the way a third party would: a list, LINQ filters compiled, cosine search.</summary>
    private sealed class ListCollection : VectorStoreCollection<int, Note>
    {
        public List<Note> Records { get; } = new();

        public override string Name => "list";

        public override async IAsyncEnumerable<VectorSearchResult<Note>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<Note>? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var query = searchValue is ReadOnlyMemory<float> m ? m.ToArray() : throw new NotSupportedException(typeof(TInput).Name);
            var filter = options?.Filter?.Compile() ?? (_ => true);
            foreach (var hit in Records.Where(filter).Select(r => new VectorSearchResult<Note>(r, Cosine(r.Vector.Span, query))).OrderByDescending(h => h.Score).Take(top))
            {
                await Task.Yield();
                yield return hit;
            }
        }

        public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);
        public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public override Task<Note?> GetAsync(int key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) => Task.FromResult(Records.FirstOrDefault(r => r.Key == key));
        public override IAsyncEnumerable<Note> GetAsync(Expression<Func<Note, bool>> filter, int top, FilteredRecordRetrievalOptions<Note>? options = null, CancellationToken cancellationToken = default) =>
            Records.Where(filter.Compile()).Take(top).ToAsyncEnumerable();
        public override Task DeleteAsync(int key, CancellationToken cancellationToken = default) => Task.FromResult(Records.RemoveAll(r => r.Key == key));
        public override Task UpsertAsync(Note record, CancellationToken cancellationToken = default) => UpsertAsync(new[] { record }, cancellationToken);
        public override Task UpsertAsync(IEnumerable<Note> records, CancellationToken cancellationToken = default)
        {
            foreach (var r in records)
            {
                Records.RemoveAll(x => x.Key == r.Key);
                Records.Add(r);
            }

            return Task.CompletedTask;
        }

        public override object? GetService(Type serviceType, object? serviceKey = null) => null;

        public static double Cosine(ReadOnlySpan<float> a, float[] b)
        {
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < a.Length; i++) (dot, na, nb) = (dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]);
            return dot / Math.Sqrt(na * nb);
        }
    }

    /// <summary>Counts the texts that reach the model (backbone passes).</summary>
    private sealed class CountingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public int Texts { get; private set; }

        public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Texts += list.Count;
            return base.GenerateAsync(list, options, cancellationToken);
        }
    }
}
