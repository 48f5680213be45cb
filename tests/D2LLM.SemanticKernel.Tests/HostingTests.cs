using D2LLM.Models.Tests;
using D2LLM.Student;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Data;

namespace D2LLM.SemanticKernel.Tests;

public class HostingTests
{
    [Fact]
    public async Task ServiceCollection_RegistersOneStudentForGeneratorAndReranker_BuildersChain_AndViewsAreKeyed()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        string student = TestModels.Student(folder.Path, dir.File("student"));
        int wrapped = 0;
        var services = new ServiceCollection();
        services.AddD2LlmEmbeddingGenerator(student, o => o.ModelId = "tiny-student").Use(inner =>
        {
            wrapped++;
            return new ConfigureOptionsEmbeddingGenerator<string, Embedding<float>>(inner, _ => { });
        });
        services.AddD2LlmReranker(student).AddD2LlmVectorStore(dir.File("di.db")).AddD2LlmMemory("notes", o => o.Top = 2);
        using var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Equal(1, wrapped);
        Assert.Same(generator, provider.GetRequiredService<IEmbeddingGenerator>());
        var shared = generator.GetService<StudentModel>();
        Assert.NotNull(shared);
        Assert.Same(shared, ((IemReranker)provider.GetRequiredService<IReranker>()).Student);

        var query = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(D2LlmServiceKeys.QueryEmbeddings);
        var passage = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(D2LlmServiceKeys.PassageEmbeddings);
        Assert.Equal(EmbeddingInputKind.Query, Assert.IsType<InputKindEmbeddingGenerator>(query).Kind);
        Assert.Equal(EmbeddingInputKind.Passage, Assert.IsType<InputKindEmbeddingGenerator>(passage).Kind);

        var pipeline = provider.GetRequiredService<RetrievalPipeline<Guid, MemoryRecord>>();
        Assert.NotNull(pipeline.Reranker);
        await pipeline.SaveAsync("a note about bread", "bread");
        Assert.Equal("bread", (await pipeline.SearchAsync("bread")).Single().Record.Id);
        Assert.Contains("notes", await provider.GetRequiredService<VectorStore>().ListCollectionNamesAsync().ToListAsync());
        Assert.Same(provider.GetRequiredService<ITextSearch<MemoryRecord>>(), provider.GetRequiredService<ITextSearch>());
        Assert.Equal(new[] { "memory_save", "memory_search" }, provider.GetRequiredService<IEnumerable<AIFunction>>().Select(f => f.Name).Order());
    }

    [Fact]
    public void KernelBuilder_TakesTheSameRegistrations_AndTheKernelHasTheMemoryPluginAndAChatClientThatRunsTools()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var builder = Kernel.CreateBuilder();
        builder.AddD2LlmEmbeddingGenerator(folder.Path);
        builder.AddD2LlmVectorStore(dir.File("kernel.db")).AddD2LlmMemory();
        builder.AddD2LlmChatClient(folder.Path);
        var kernel = builder.Build();
        Assert.Contains(kernel.Plugins, p => p.Name == MemoryPlugin.DefaultName);
        var chat = kernel.GetRequiredService<IChatClient>();
        Assert.NotNull(chat.GetService<FunctionInvokingChatClient>());
        Assert.NotNull(chat.GetService<QwenChatClient>());
        Assert.Same(chat.GetService<Models.IDecoder>(), kernel.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<D2LLM.Retrieval.PooledEncoder>()!.Model);
    }
}
