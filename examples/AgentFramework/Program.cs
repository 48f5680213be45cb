// A Microsoft Agent Framework ChatClientAgent on local models only: the local chat client (function invocation is
// the agent's), the memory tools, and the Agent Framework's TextSearchProvider fed by the D2LLM retrieval pipeline
// (reranked when the embedding model is a student), so every turn starts from the notes that matter.
// Run: dotnet run --project examples/AgentFramework [QWEN_DIR [STUDENT_DIR]] — as examples/SkAgent.
using System.Text.Json;
using D2LLM.Models;
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
using var model = args.Length > 0 ? Backbones.LoadDecoder(args[0]) : Backbones.LoadDecoder(Path.Combine(samples, "tiny-qwen"), new ModelLoadOptions { RandomSeed = 7 });
using var embeddings = args.Length > 1 ? D2Llm.OpenEmbeddingGenerator(args[1]) : D2Llm.FromModel(model, ownsModel: false);
using var reranker = args.Length > 1 && D2LLM.ModelFolder.KindOf(args[1]) is D2LLM.ModelFolderKind.Student or D2LLM.ModelFolderKind.CrossEncoder ? D2Llm.OpenReranker(args[1]) as IDisposable : null;
using var store = new EmbeddedVectorStore(Path.Combine(Path.GetTempPath(), "d2llm-agent-framework-example.db"));
var memory = MemoryPipeline.Open(store, "notes", embeddings, reranker as IReranker);
foreach (var line in File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Take(12))
{
    var doc = JsonDocument.Parse(line).RootElement;
    await memory.SaveAsync(doc.GetProperty("text").GetString()!, doc.GetProperty("id").GetString());
}

var notes = new TextSearchProvider(async (query, cancellationToken) =>
    (await memory.SearchAsync(query, top: 3, cancellationToken: cancellationToken))
        .Select(hit => new TextSearchProvider.TextSearchResult { SourceName = hit.Record.Id, Text = hit.Text }));
AIAgent agent = new ChatClientAgent(new QwenChatClient(model), new ChatClientAgentOptions
{
    Name = "memory-agent",
    ChatOptions = new ChatOptions { Instructions = "You are a helpful assistant with a memory. Answer briefly.", Tools = MemoryTools.Create(memory).Cast<AITool>().ToList(), MaxOutputTokens = 96 },
    AIContextProviders = new[] { notes },
});

var session = await agent.CreateSessionAsync();
foreach (var question in new[] { "Why does sourdough bread rise?", "What should I do about a skipping bike chain?" })
{
    Console.WriteLine($"> {question}");
    Console.WriteLine(await agent.RunAsync(question, session));
}
