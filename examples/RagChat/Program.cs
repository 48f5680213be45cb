// A RAG chatbot with no service: the memory tools (memory_save / memory_search) and the local chat client, wrapped in
// Microsoft.Extensions.AI's function invocation: each turn the question's notes from memory go in as instructions,
// the model may call the tools itself (Qwen's <tool_call> format), and UseFunctionInvocation() runs them and hands
// back the results until the model answers.
// Run: dotnet run --project examples/RagChat [QWEN_DIR] — QWEN_DIR is a chat model (Qwen2.5 / Qwen3 instruct);
// without it the repository's tiny random Qwen3 is used, which answers nonsense but shows every step.
using System.Text.Json;
using D2LLM.Models;
using D2LLM.SemanticKernel;
using D2LLM.Storage.Embedded;
using Microsoft.Extensions.AI;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
using var model = args.Length > 0 ? Backbones.LoadDecoder(args[0]) : Backbones.LoadDecoder(Path.Combine(samples, "tiny-qwen"), new ModelLoadOptions { RandomSeed = 7 });
using var chat = new QwenChatClient(model).AsBuilder().UseFunctionInvocation().Build();
using var embeddings = D2Llm.FromModel(model, ownsModel: false); // one copy of the model for chat and embeddings
using var store = new EmbeddedVectorStore(Path.Combine(Path.GetTempPath(), "d2llm-ragchat-example.db"));
var memory = MemoryPipeline.Open(store, "memory", embeddings, options: new RetrievalOptions<MemoryRecord> { Top = 3 });

foreach (var line in File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Take(12))
{
    var doc = JsonDocument.Parse(line).RootElement;
    await memory.SaveAsync(doc.GetProperty("text").GetString()!, doc.GetProperty("id").GetString());
}

var questions = args.Length > 1 ? args[1..] : new[] { "Why does sourdough bread rise?", "What should I do about a skipping bike chain?" };
var options = new ChatOptions { Tools = MemoryTools.Create(memory).Cast<AITool>().ToList(), MaxOutputTokens = 96 };
foreach (var question in questions)
{
    var notes = await memory.SearchAsync(question);
    options.Instructions = "Answer briefly. Notes from memory:\n" + string.Join("\n", notes.Select(n => $"- {n.Text}"));
    Console.WriteLine($"> {question}");
    var response = await chat.GetResponseAsync(question, options);
    foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()) Console.WriteLine($"  [called {call.Name}]");
    Console.WriteLine(response.Text);
}
