using System.Text.Json;
using D2LLM.Models.Qwen;
using D2LLM.Models.Tests;
using D2LLM.SemanticKernel;
using D2LLM.Storage;
using D2LLM.Storage.Embedded;
using D2LLM.Student;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace D2LLM.SemanticKernel.Tests;

public class IntegrationTests
{
    private static readonly string[] Texts = Enumerable.Range(0, 24).Select(i => string.Join(' ', Enumerable.Repeat($"text {i} about topic {i % 5}", 1 + i % 4))).ToArray();

    [Fact]
    public async Task EightConcurrentCallers_GetExactlyTheVectorsOfSequentialCalls()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var generator = D2Llm.FromModel(QwenModel.Load(folder.Path), new D2LlmEmbeddingOptions { BatchTokens = 40 });
        var sequential = new List<float[]>();
        foreach (var text in Texts) sequential.Add((await generator.GenerateAsync(new[] { text }))[0].Vector.ToArray());

        var calls = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            (c, await generator.GenerateAsync(Texts.Where((_, i) => i % 8 == c || i % 3 == c % 3).ToList())))).ToArray();
        foreach (var (c, result) in await Task.WhenAll(calls))
        {
            var indices = Enumerable.Range(0, Texts.Length).Where(i => i % 8 == c || i % 3 == c % 3).ToList();
            Assert.Equal(indices.Count, result.Count);
            for (int j = 0; j < indices.Count; j++) Assert.Equal(sequential[indices[j]], result[j].Vector.ToArray());
            Assert.True(result.Usage!.InputTokenCount > 0);
        }
    }

    [Fact]
    public async Task Generator_ReportsMetadataAndUsage_AndAppliesTheQueryPrefixInQueryMode()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        var model = QwenModel.Load(folder.Path);
        using var generator = D2Llm.FromModel(model, new D2LlmEmbeddingOptions { QueryPrefix = "Query: ", ModelId = "tiny" });
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(("d2llm", "tiny", 16), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        Assert.Same(generator, ((IEmbeddingGenerator)generator).GetService(typeof(IEmbeddingGenerator<string, Embedding<float>>)));
        Assert.Throws<ArgumentNullException>(() => generator.GetService(null!));

        var passage = await generator.GenerateAsync(new[] { "hello" });
        Assert.Equal(model.Encode("hello").Length, passage.Usage!.InputTokenCount);
        var query = await generator.GenerateAsync(new[] { "hello" }, new EmbeddingGenerationOptions { AdditionalProperties = new() { ["input_type"] = "query" } });
        var prefixed = await generator.GenerateAsync(new[] { "Query: hello" });
        Assert.Equal(prefixed[0].Vector.ToArray(), query[0].Vector.ToArray());
        Assert.NotEqual(passage[0].Vector.ToArray(), query[0].Vector.ToArray());
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(new[] { "" }));
    }

    [Fact]
    public async Task AppendEndOfText_PoolsTheStateOfAnAppendedEndOfTextToken_AsQwen3EmbeddingDoes()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        using var generator = D2Llm.FromModel(QwenModel.Load(folder.Path), new D2LlmEmbeddingOptions { AppendEndOfText = true }, PoolingMode.Last);
        var vector = (await generator.GenerateAsync(new[] { "hello world" }))[0].Vector.ToArray();
        var ids = model.Encode("hello world").Append(model.Tokenizer!.TokenToId("<|endoftext|>")!.Value).ToArray();
        var batch = TokenBatch.Pack(new[] { ids });
        Assert.Equal(model.Pool(model.Forward(batch), batch, PoolingMode.Last), vector);
    }

    [Fact]
    public async Task MemoryFunctions_InvokedWithJsonArguments_SaveAndFindTexts()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        using var generator = D2Llm.FromModel(QwenModel.Load(folder.Path));
        using var store = new EmbeddedVectorStore(dir.File("memory.db"));
        var pipeline = new RetrievalPipeline(generator, store.GetCollection("memory", new CollectionOptions(16)), options: new RetrievalOptions { Top = 3 });
        var tools = MemoryTools.Create(pipeline).ToDictionary(t => t.Name);
        Assert.Equal(new[] { "memory_save", "memory_search" }, tools.Keys.Order());
        foreach (var (text, i) in Texts.Take(10).Select((t, i) => (t, i)))
            await tools["memory_save"].InvokeAsync(new AIFunctionArguments(JsonSerializer.Deserialize<Dictionary<string, object?>>($"{{\"text\": \"{text}\", \"id\": \"m{i}\"}}")!));

        var result = await tools["memory_search"].InvokeAsync(new AIFunctionArguments(JsonSerializer.Deserialize<Dictionary<string, object?>>($"{{\"query\": \"{Texts[7]}\", \"top\": 2}}")!));
        var hits = JsonSerializer.SerializeToElement(result);
        Assert.Equal(2, hits.GetArrayLength());
        Assert.Equal("m7", hits[0].GetProperty("id").GetString());
        Assert.Equal(Texts[7], hits[0].GetProperty("text").GetString());
        Assert.Equal(1.0, hits[0].GetProperty("score").GetDouble(), 3);
        Assert.Contains("query", tools["memory_search"].JsonSchema.GetRawText());
    }

    [Fact]
    public async Task IemReranker_ScoresStoredVectorsLikeFreshEmbeddings()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        var heads = new StudentHeads(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8, Variant: PmaVariant.Standard));
        var config = new StudentConfig { Backbone = folder.Path, Dim = 16, PmaHeads = 2, PmaVariant = "standard", IemHidden = 8 };
        StudentModel.Save(dir.File("student"), config, heads);
        using var student = StudentModel.Load(dir.File("student"));
        var reranker = new IemReranker(student);
        var texts = Texts.Take(6).ToList();
        var stored = student.Embed(texts);
        var withVectors = texts.Select((t, i) => new RetrievalChunk(t, vector: stored.AsMemory(i * 16, 16))).ToList();
        var without = texts.Select(t => new RetrievalChunk(t)).ToList();
        var a = await reranker.RerankAsync("topic 3", withVectors);
        var b = await reranker.RerankAsync("topic 3", without);
        Assert.Equal(a.Select(c => c.Content), b.Select(c => c.Content));
        Assert.Equal(a.Select(c => c.Score), b.Select(c => c.Score));
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void DependencyInjection_RegistersGenericAndNonGenericGenerators_TheStore_ThePipelineAndItsTools()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        var services = new ServiceCollection()
            .AddD2LlmEmbeddingGenerator(folder.Path, o => o.ModelId = "tiny")
            .AddD2LlmVectorStore(dir.File("di.db"))
            .AddD2LlmRetrieval("memory", o => o.Top = 2);
        using var provider = services.BuildServiceProvider();
        var generic = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Same(generic, provider.GetRequiredService<IEmbeddingGenerator>());
        Assert.Equal(16, provider.GetRequiredService<RetrievalPipeline>().Collection.Options.Dimensions);
        Assert.Equal(2, provider.GetRequiredService<IEnumerable<AIFunction>>().Count());
    }
}
