// A RAG chatbot with no service: the memory tools (memory_save / memory_search, AIFunctions that Semantic Kernel
// imports with AsKernelFunction()) and the local chat client, in an agent loop. Each turn the agent searches its
// memory with the question and puts what it found in the system message; the model may call the tools itself
// (Qwen's <tool_call> format), the loop runs them and hands back the results, until the model answers.
// Run: dotnet run --project examples/RagChat [QWEN_DIR] — QWEN_DIR is a chat model (Qwen2.5 / Qwen3 instruct);
// without it the repository's tiny random Qwen3 is used, which answers nonsense but shows every step.
using System.Text.Json;
using D2LLM.Models.Qwen;
using D2LLM.SemanticKernel;
using D2LLM.Storage;
using Microsoft.Extensions.AI;

string samples = Path.Combine(AppContext.BaseDirectory, "../../../../../samples/quickstart");
using var model = args.Length > 0 ? QwenModel.Load(args[0]) : QwenModel.Load(Path.Combine(samples, "tiny-qwen"), new QwenLoadOptions { RandomSeed = 7 });
using var chat = new QwenChatClient(model);
using var embeddings = D2Llm.FromModel(args.Length > 0 ? QwenModel.Load(args[0]) : QwenModel.Load(Path.Combine(samples, "tiny-qwen"), new QwenLoadOptions { RandomSeed = 7 }));
using var store = D2Llm.OpenStore(Path.Combine(Path.GetTempPath(), "d2llm-ragchat-example.db"));
var pipeline = new RetrievalPipeline(embeddings, store.GetCollection("memory", new CollectionOptions(embeddings.Metadata.DefaultModelDimensions!.Value)),
    options: new RetrievalOptions { Top = 3 });
var tools = MemoryTools.Create(pipeline).ToDictionary(t => t.Name);

foreach (var line in File.ReadLines(Path.Combine(samples, "corpus.jsonl")).Take(12))
{
    var doc = JsonDocument.Parse(line).RootElement;
    await tools["memory_save"].InvokeAsync(new AIFunctionArguments { ["text"] = doc.GetProperty("text").GetString(), ["id"] = doc.GetProperty("id").GetString() });
}

var questions = args.Length > 1 ? args[1..] : new[] { "Why does sourdough bread rise?", "What should I do about a skipping bike chain?" };
var options = new ChatOptions { Tools = tools.Values.Cast<AITool>().ToList(), MaxOutputTokens = 96 };
foreach (var question in questions)
{
    // What the memory holds for the question goes in first; the model may also search (or save) by calling the tools.
    var found = await tools["memory_search"].InvokeAsync(new AIFunctionArguments { ["query"] = question, ["top"] = 3 });
    var messages = new List<ChatMessage>
    {
        new(ChatRole.System, "Answer briefly. Notes from memory:\n" + JsonSerializer.Serialize(found)),
        new(ChatRole.User, question),
    };
    Console.WriteLine($"> {question}");
    for (int round = 0; round < 3; round++)
    {
        var response = await chat.GetResponseAsync(messages, options);
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        if (calls.Count == 0)
        {
            Console.WriteLine(response.Text);
            break;
        }

        messages.AddRange(response.Messages);
        foreach (var call in calls)
        {
            Console.WriteLine($"  [calls {call.Name}]");
            var result = await tools[call.Name].InvokeAsync(new AIFunctionArguments(call.Arguments));
            messages.Add(new ChatMessage(ChatRole.Tool, new List<AIContent> { new FunctionResultContent(call.CallId, result) }));
        }
    }
}
