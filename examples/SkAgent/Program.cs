// A Semantic Kernel agent on local models only: a Kernel with the D2LLM embedding generator, the embedded vector
// store, the memory plugin and the local chat client; FunctionChoiceBehavior.Auto() lets the model call the memory
// functions; SK's TextSearchProvider puts reranked notes from the memory in front of every turn.
// Run: dotnet run --project examples/SkAgent [QWEN_DIR [STUDENT_DIR]] — QWEN_DIR a chat model (Qwen2.5 / Qwen3
// instruct), STUDENT_DIR a distilled student for embeddings and reranking (default: the chat model, mean-pooled);
// without them the repository's tiny random Qwen3 is used, which answers nonsense but shows every step.
using System.Text.Json;
using D2LLM.Models;
using D2LLM.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Data;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
string chatModel = args.Length > 0 ? args[0] : TinyModel.Folder(samples);
string embeddingModel = args.Length > 1 ? args[1] : chatModel;

var builder = Kernel.CreateBuilder();
builder.AddD2LlmEmbeddingGenerator(embeddingModel);
if (D2LLM.ModelFolder.KindOf(embeddingModel) is D2LLM.ModelFolderKind.Student) builder.AddD2LlmReranker(embeddingModel);
builder.AddD2LlmVectorStore(Path.Combine(Path.GetTempPath(), "d2llm-skagent-example.db")).AddD2LlmMemory("notes");
builder.AddD2LlmChatClient(chatModel);
var kernel = builder.Build();

var memory = kernel.Services.GetRequiredService<RetrievalPipeline<Guid, MemoryRecord>>();
foreach (var line in File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Take(12))
{
    var doc = JsonDocument.Parse(line).RootElement;
    await memory.SaveAsync(doc.GetProperty("text").GetString()!, doc.GetProperty("id").GetString());
}

var notes = new TextSearchProvider(kernel.Services.GetRequiredService<ITextSearch>(), options: new TextSearchProviderOptions { Top = 3 });
var chat = kernel.GetRequiredService<IChatClient>().AsChatCompletionService(kernel.Services);
var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(), ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 96 } };
var history = new ChatHistory("You are a helpful assistant with a memory. Answer briefly.");
foreach (var question in new[] { "Why does sourdough bread rise?", "What should I do about a skipping bike chain?" })
{
    var context = await notes.ModelInvokingAsync(new List<ChatMessage> { new(ChatRole.User, question) });
    history.AddUserMessage($"{context.Instructions}\n\n{question}");
    Console.WriteLine($"> {question}");
    var answer = await chat.GetChatMessageContentAsync(history, settings, kernel);
    history.Add(answer);
    Console.WriteLine(answer.Content);
}

/// <summary>The repository's tiny Qwen3 with random weights (seed 7), written once as a model folder the DI extensions can open.</summary>
internal static class TinyModel
{
    public static string Folder(string samples)
    {
        string folder = Path.Combine(Path.GetTempPath(), "d2llm-tiny-qwen-seed7");
        if (File.Exists(Path.Combine(folder, "model.safetensors"))) return folder;
        using var model = Backbones.LoadDecoder(Path.Combine(samples, "tiny-qwen"), new ModelLoadOptions { RandomSeed = 7 });
        model.Save(folder);
        return folder;
    }
}
