using D2LLM.Models.Generation;
using D2LLM.Models.Qwen;
using D2LLM.Models.Tests;
using D2LLM.SemanticKernel;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel.Tests;

public class ChatClientTests
{
    [Fact]
    public async Task Response_IsTheGreedyContinuationOfTheChatPrompt_AndStreamingAddsUpToIt()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        using var client = new QwenChatClient(model, "tiny");
        var messages = new[] { new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Name a colour.") };
        var options = new ChatOptions { MaxOutputTokens = 6 };
        var response = await client.GetResponseAsync(messages, options);

        var prompt = ChatTemplate.Load(folder.Path).Encode(model.Tokenizer!, new[] { new ChatTurn("system", "Be brief."), new ChatTurn("user", "Name a colour.") });
        var expected = new TextGenerator(model).Generate(new[] { prompt }, new GenerationOptions
        {
            MaxNewTokens = 6, StopTokenIds = new[] { 151645, 151643 },
        })[0];
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(prompt.Length, response.Usage!.InputTokenCount);
        Assert.Equal(expected.Ids.Length, response.Usage.OutputTokenCount);
        Assert.Equal(expected.FinishReason == "stop" ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options)) updates.Add(update);
        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.NotNull(updates[^1].FinishReason);
        Assert.Equal("tiny", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public void ToolCallsInTheAnswer_BecomeFunctionCalls_AndMalformedOnesStayText()
    {
        var contents = QwenChatClient.ParseAnswer("Let me look.\n<tool_call>\n{\"name\": \"memory_search\", \"arguments\": {\"query\": \"bread\", \"top\": 2}}\n</tool_call>");
        Assert.Equal("Let me look.", Assert.IsType<TextContent>(contents[0]).Text);
        var call = Assert.IsType<FunctionCallContent>(contents[1]);
        Assert.Equal("memory_search", call.Name);
        Assert.Equal("bread", ((System.Text.Json.JsonElement)call.Arguments!["query"]!).GetString());
        Assert.Equal(2, ((System.Text.Json.JsonElement)call.Arguments["top"]!).GetInt32());
        var broken = QwenChatClient.ParseAnswer("<tool_call>not json</tool_call>");
        Assert.Equal("<tool_call>not json</tool_call>", Assert.Single(broken).ToString());
    }

    [Fact]
    public async Task ToolsAndToolResults_AreRenderedIntoThePrompt()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        using var client = new QwenChatClient(model);
        var search = AIFunctionFactory.Create((string query) => "found", "memory_search", "Search memory");
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Find bread"),
            new(ChatRole.Assistant, new List<AIContent> { new FunctionCallContent("c1", "memory_search", new Dictionary<string, object?> { ["query"] = "bread" }) }),
            new(ChatRole.Tool, new List<AIContent> { new FunctionResultContent("c1", "[{\"id\": \"bread\"}]") }),
        };
        var response = await client.GetResponseAsync(messages, new ChatOptions { Tools = new List<AITool> { search }, MaxOutputTokens = 2 });
        var expected = ChatTemplate.Load(folder.Path).Encode(model.Tokenizer!, new[]
        {
            new ChatTurn("user", "Find bread"),
            new ChatTurn("assistant", "", new[] { new ChatToolCall("memory_search", System.Text.Json.JsonDocument.Parse("{\"query\":\"bread\"}").RootElement) }),
            new ChatTurn("tool", "[{\"id\": \"bread\"}]"),
        }, tools: new[] { new ChatTool("memory_search", "Search memory", search.JsonSchema) });
        Assert.Equal(expected.Length, response.Usage!.InputTokenCount);
    }
}
