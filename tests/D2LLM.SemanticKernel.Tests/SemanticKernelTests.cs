using System.Runtime.CompilerServices;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Storage.Embedded;
using D2LLM.Student;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Data;
using FunctionCallContent = Microsoft.Extensions.AI.FunctionCallContent;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;

namespace D2LLM.SemanticKernel.Tests;

/// <summary>The library as a Semantic Kernel user meets it: a real Kernel, plugins, automatic function calling, text search.</summary>
public sealed class SemanticKernelTests : IDisposable
{
    private readonly FixtureModel _folder = new("tiny-qwen2-a");
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _folder.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task TheMemoryPlugin_RunsThroughKernelInvoke_WithAndWithoutItsOptionalArguments()
    {
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(_folder.Path));
        using var store = new EmbeddedVectorStore(_dir.File("kernel.db"));
        var kernel = Kernel.CreateBuilder().Build();
        kernel.Plugins.Add(MemoryPlugin.Create(MemoryPipeline.Open(store, "memory", generator)));

        var id = await kernel.InvokeAsync<string>("memory", "save", new KernelArguments { ["text"] = "Sourdough rises because wild yeast ferments the flour." });
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("bike", await kernel.InvokeAsync<string>("memory", "save", new KernelArguments { ["text"] = "A worn bicycle chain skips under load.", ["id"] = "bike" }));
        for (int i = 0; i < 6; i++) await kernel.InvokeAsync("memory", "save", new KernelArguments { ["text"] = TestModels.Texts[i] });

        var all = await kernel.InvokeAsync<IReadOnlyList<MemoryFunctions.Hit>>("memory", "search", new KernelArguments { ["query"] = "A worn bicycle chain skips under load." });
        Assert.Equal(5, all!.Count);
        Assert.Equal("bike", all[0].Id);
        var one = await kernel.InvokeAsync<IReadOnlyList<MemoryFunctions.Hit>>("memory", "search", new KernelArguments { ["query"] = "A worn bicycle chain skips under load.", ["top"] = 1 });
        Assert.Equal("bike", Assert.Single(one!).Id);
        var parameters = kernel.Plugins["memory"]["search"].Metadata.Parameters;
        Assert.True(parameters.Single(p => p.Name == "query").IsRequired);
        Assert.False(parameters.Single(p => p.Name == "top").IsRequired);
    }

    [Fact]
    public async Task AutomaticFunctionCalling_ThroughTheKernel_RunsTheMemorySearch_AndAnswersFromItsResult()
    {
        using var generator = D2Llm.FromModel(Backbones.LoadDecoder(_folder.Path));
        using var store = new EmbeddedVectorStore(_dir.File("auto.db"));
        var pipeline = MemoryPipeline.Open(store, "memory", generator);
        await pipeline.SaveAsync("The spare key is under the blue flower pot.", "key");
        await pipeline.SaveAsync("The boiler was serviced in March.", "boiler");
        var model = new ScriptedModel();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(model).UseKernelFunctionInvocation(); // what AddD2LlmChatClient on a kernel builder registers
        builder.Plugins.Add(MemoryPlugin.Create(pipeline));
        var kernel = builder.Build();

        var answer = await kernel.InvokePromptAsync("Where is the spare key?", new KernelArguments(new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        Assert.Equal(2, model.Calls);
        Assert.Contains(model.OfferedTools, name => name.Contains("search"));
        Assert.Contains("under the blue flower pot", model.ToolResult);
        Assert.StartsWith("From memory:", answer.ToString());
    }

    [Fact]
    public async Task TextSearch_OverTheEmbeddedStore_BothSksAndOurs_AndTheProviderAndPluginsSeeRerankedResults()
    {
        using var dir = new TempDirectory();
        using var student = StudentModel.Load(TestModels.Student(_folder.Path, dir.File("student")));
        using var generator = D2Llm.FromStudent(student);
        using var store = new EmbeddedVectorStore(dir.File("search.db"));
        var pipeline = MemoryPipeline.Open(store, "docs", generator, new IemReranker(student), new RetrievalOptions<MemoryRecord> { Candidates = 20 });
        foreach (var (text, i) in TestModels.Texts.Select((t, i) => (t, i))) await pipeline.SaveAsync(text, $"d{i}");
        var reranked = await pipeline.SearchAsync("topic 2 text", top: 3);

        // Ours: the pipeline's reranked order, with the record's id as the result's name.
        var ours = new RetrievalTextSearch<Guid, MemoryRecord>(pipeline);
        var results = await (await ours.GetTextSearchResultsAsync("topic 2 text", new TextSearchOptions<MemoryRecord> { Top = 3 })).Results.ToListAsync();
        Assert.Equal(reranked.Select(h => h.Text), results.Select(r => r.Value));
        Assert.Equal(reranked.Select(h => h.Record.Id), results.Select(r => r.Name));
        var filtered = await (await ours.GetSearchResultsAsync("topic 2 text", new TextSearchOptions<MemoryRecord> { Top = 30, Filter = r => r.Id == "d7" })).Results.ToListAsync();
        Assert.Equal("d7", Assert.Single(filtered).Id);
        var legacy = await (await ((ITextSearch)ours).SearchAsync("topic 2 text", new TextSearchOptions { Top = 5, Filter = new TextSearchFilter().Equality("Id", "d12") })).Results.ToListAsync();
        Assert.Equal(TestModels.Texts[12], Assert.Single(legacy));

        // SK's TextSearchProvider hands the model our reranked results.
        var provider = new TextSearchProvider(ours, options: new TextSearchProviderOptions { Top = 3 });
        var context = await provider.ModelInvokingAsync(new List<ChatMessage> { new(ChatRole.User, "topic 2 text") });
        Assert.Contains(reranked[0].Text, context.Instructions);

        // SK's plugin over a text search.
        var plugin = ours.CreateWithGetTextSearchResults("docs");
        var kernel = new Kernel();
        var invoked = await kernel.InvokeAsync(plugin["GetTextSearchResults"], new KernelArguments { ["query"] = "topic 2 text", ["count"] = 3 });
        Assert.Equal(reranked.Select(h => h.Text), invoked.GetValue<List<TextSearchResult>>()!.Select(r => r.Value));

        // SK's own VectorStoreTextSearch over the same collection (no reranking: the store's cosine order).
        ITextSearch<MemoryRecord> skSearch = new VectorStoreTextSearch<MemoryRecord>(pipeline.Collection, generator);
        var cosine = await (await skSearch.GetTextSearchResultsAsync("topic 2 text", new TextSearchOptions<MemoryRecord> { Top = 3 })).Results.ToListAsync();
        var expected = await pipeline.Collection.SearchAsync((await generator.GenerateAsync(new[] { "topic 2 text" }))[0].Vector, top: 3).Select(h => h.Record.Text).ToListAsync();
        Assert.Equal(expected, cosine.Select(r => r.Value));
    }

    /// <summary>
    /// A model scripted for two turns: first it calls the search tool the kernel offers; then, given the tool's result,
    /// it answers from it. It records what the kernel sent.
    /// </summary>
    private sealed class ScriptedModel : IChatClient
    {
        public int Calls { get; private set; }
        public List<string> OfferedTools { get; } = new();
        public string ToolResult { get; private set; } = "";

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var result = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault();
            if (result is null)
            {
                OfferedTools.AddRange(options?.Tools?.Select(t => t.Name) ?? Enumerable.Empty<string>());
                string search = OfferedTools.First(n => n.Contains("search"));
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, new List<AIContent>
                {
                    new FunctionCallContent("call-1", search, new Dictionary<string, object?> { ["query"] = "spare key", ["top"] = 1 }),
                })));
            }

            ToolResult = result.Result is string text ? text : System.Text.Json.JsonSerializer.Serialize(result.Result);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "From memory: " + ToolResult)));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates()) yield return update;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted") : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
