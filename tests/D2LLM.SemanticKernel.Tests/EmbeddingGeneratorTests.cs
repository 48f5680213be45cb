using D2LLM.Models;
using D2LLM.Models.Tests;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel.Tests;

public class EmbeddingGeneratorTests
{
    private static readonly string[] Texts = TestModels.Texts;

    [Fact]
    public async Task EightConcurrentCallers_GetExactlyTheVectorsOfSequentialCalls()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path), new D2LlmEmbeddingOptions { BatchTokens = 40 });
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
    public async Task Generator_ReportsMetadataAndUsage_AndAppliesTheQueryPrefixInQueryMode_AsItsQueryViewDoes()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        var model = Backbones.LoadDecoder(folder.Path);
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

        // The query view embeds as a query whatever the caller passes no option for (VectorData passes none); an explicit kind wins.
        using var queries = new InputKindEmbeddingGenerator(generator, EmbeddingInputKind.Query);
        Assert.Equal(query[0].Vector.ToArray(), (await queries.GenerateAsync(new[] { "hello" }))[0].Vector.ToArray());
        var explicitPassage = await queries.GenerateAsync(new[] { "hello" }, new EmbeddingGenerationOptions { AdditionalProperties = new() { ["input_type"] = "passage" } });
        Assert.Equal(passage[0].Vector.ToArray(), explicitPassage[0].Vector.ToArray());
    }

    [Fact]
    public async Task ALongText_IsEmbeddedFromItsWindowAndMarked_OrRefusedWhenAsked()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        var model = Backbones.LoadDecoder(folder.Path);
        using var generator = D2Llm.FromModel(model);
        string longText = string.Concat(Enumerable.Repeat("apples and pears ", 300));
        int whole = model.Encode(longText).Length;
        Assert.True(whole > generator.MaxTokens);

        var result = await generator.GenerateAsync(new[] { "short", longText, longText + " and a tail that lies beyond the window" });
        Assert.Null(result[0].AdditionalProperties);
        Assert.Equal(whole, result[1].AdditionalProperties![D2LlmEmbeddingOptions.TruncatedKey]);
        Assert.Equal(result[1].Vector.ToArray(), result[2].Vector.ToArray()); // only the window is embedded
        Assert.Equal(model.Encode("short").Length + 2 * generator.MaxTokens, result.Usage!.InputTokenCount);

        using var strict = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path), new D2LlmEmbeddingOptions { LongTexts = LongTextHandling.Refuse });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => strict.GenerateAsync(new[] { "short", longText }));
        Assert.Equal($"text 1 has {whole} tokens, more than the model's 512-token window (LongTexts = Refuse): split it into passages", e.Message);
    }

    [Fact]
    public async Task AppendEndOfText_PoolsTheStateOfAnAppendedEndOfTextToken_AsQwen3EmbeddingDoes()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(folder.Path), new D2LlmEmbeddingOptions { AppendEndOfText = true }, PoolingMode.Last);
        var vector = (await generator.GenerateAsync(new[] { "hello world" }))[0].Vector.ToArray();
        var ids = model.Encode("hello world").Append(model.Tokenizer!.TokenToId("<|endoftext|>")!.Value).ToArray();
        var batch = TokenBatch.Pack(new[] { ids });
        Assert.Equal(model.Pool(model.Forward(batch), batch, PoolingMode.Last), vector);
    }

    [Fact]
    public async Task EachText_IsTokenizedOnce_AndEmbeddedAsTheStudentEmbedsIt()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        using var student = D2LLM.Student.StudentModel.Load(TestModels.Student(folder.Path, dir.File("student")));
        var counting = new CountingEncoder(student);
        using var generator = new D2LlmEmbeddingGenerator(counting, new D2LlmEmbeddingOptions { BatchTokens = 40 });
        var result = await generator.GenerateAsync(Texts);
        Assert.Equal(Texts.Length, counting.Tokenized);
        Assert.Equal(Texts.Sum(t => student.Tokenize(t).Length), result.Usage!.InputTokenCount);
        var direct = student.Embed(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            var expected = direct.AsSpan(i * student.Dimensions, student.Dimensions);
            var actual = result[i].Vector.Span;
            for (int j = 0; j < expected.Length; j++) Assert.Equal(expected[j], actual[j], 1e-5f); // batched differently: float rounding apart
        }
    }

    /// <summary>Passes calls through, counting how often texts are tokenized.</summary>
    private sealed class CountingEncoder(D2LLM.Retrieval.IDenseEncoder inner) : D2LLM.Retrieval.IDenseEncoder
    {
        public int Tokenized { get; private set; }
        public int Dimensions => inner.Dimensions;
        public int MaxTokens => inner.MaxTokens;

        public int[] Tokenize(string text)
        {
            Tokenized++;
            return inner.Tokenize(text);
        }

        public float[] EmbedTokens(IReadOnlyList<int[]> texts) => inner.EmbedTokens(texts);

        public float[] Embed(IReadOnlyList<string> texts) => throw new InvalidOperationException("the generator embeds token ids");

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Dispose_WaitsForTheRunningCall_BeforeReleasingTheModel_ThenRefusesCalls()
    {
        var encoder = new GatedEncoder();
        var model = new DisposalProbe(encoder);
        var generator = new D2LlmEmbeddingGenerator(encoder, owned: model);
        var call = Task.Run(() => generator.GenerateAsync(new[] { "a", "b" }));
        Assert.True(encoder.Entered.Wait(TimeSpan.FromSeconds(10)));
        var dispose = Task.Run(generator.Dispose);
        await Task.Delay(300);
        Assert.False(dispose.IsCompleted); // the model is in use: releasing its weights now would crash the process
        encoder.Release.Set();
        await dispose;
        Assert.Equal(2, (await call).Count);
        Assert.Equal((true, false), (model.Disposed, model.DisposedWhileRunning));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(new[] { "c" }));
        generator.Dispose(); // a second dispose is harmless
    }

    [Fact]
    public async Task ADisposedReranker_RefusesCalls_AndReleasesTheStudentItOwns()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        var student = D2LLM.Student.StudentModel.Load(TestModels.Student(folder.Path, dir.File("student")));
        var reranker = new IemReranker(student, ownsModel: true);
        Assert.Equal(2, (await reranker.RerankAsync("bread", new[] { new RetrievalChunk("bread"), new RetrievalChunk("stone") })).Count);
        reranker.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reranker.RerankAsync("bread", new[] { new RetrievalChunk("bread") }));
    }

    /// <summary>An encoder whose Embed waits for the test's signal, so a call can be caught while it runs.</summary>
    private sealed class GatedEncoder : D2LLM.Retrieval.IDenseEncoder
    {
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public volatile bool Running;
        public int Dimensions => 2;
        public int MaxTokens => 100;

        public int[] Tokenize(string text) => [text.Length];

        public float[] EmbedTokens(IReadOnlyList<int[]> texts)
        {
            Running = true;
            Entered.Set();
            Release.Wait();
            Running = false;
            return new float[texts.Count * Dimensions];
        }

        public float[] Embed(IReadOnlyList<string> texts) => EmbedTokens(texts.Select(Tokenize).ToList());

        public void Dispose()
        {
        }
    }

    /// <summary>Stands for the loaded model: records whether it was released while the encoder was running.</summary>
    private sealed class DisposalProbe(GatedEncoder encoder) : IDisposable
    {
        public bool Disposed { get; private set; }
        public bool DisposedWhileRunning { get; private set; }

        public void Dispose() => (Disposed, DisposedWhileRunning) = (true, encoder.Running);
    }
}
