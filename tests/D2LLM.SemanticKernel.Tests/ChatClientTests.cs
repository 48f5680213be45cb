using D2LLM.Models.Generation;
using D2LLM.Models;
using D2LLM.Models.Tests;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel.Tests;

public class ChatClientTests
{
    [Fact]
    public async Task Response_IsTheGreedyContinuationOfTheChatPrompt_AndStreamingAddsUpToIt()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
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
        using var model = Backbones.LoadDecoder(folder.Path);
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

    [Fact]
    public void Instructions_BecomeTheSystemMessage_OrJoinTheOneTheConversationStartsWith()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        using var client = new QwenChatClient(model);
        var user = new ChatMessage(ChatRole.User, "Name a colour.");
        Assert.Equal(
            client.Prompt(new[] { new ChatMessage(ChatRole.System, "Answer in French."), user }),
            client.Prompt(new[] { user }, new ChatOptions { Instructions = "Answer in French." }));
        Assert.Equal(
            client.Prompt(new[] { new ChatMessage(ChatRole.System, "Answer in French.\n\nBe brief."), user }),
            client.Prompt(new[] { new ChatMessage(ChatRole.System, "Be brief."), user }, new ChatOptions { Instructions = "Answer in French." }));
    }

    [Fact]
    public void ToolMode_NoneOffersNoTools_RequiredStartsTheAnswerWithACall_OfTheNamedFunctionWhenOneIsNamed()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        using var client = new QwenChatClient(model);
        var messages = new[] { new ChatMessage(ChatRole.User, "Find bread") };
        var search = AIFunctionFactory.Create((string query) => "found", "memory_search", "Search memory");
        var save = AIFunctionFactory.Create((string text) => "saved", "memory_save", "Save to memory");
        var tools = new List<AITool> { search, save };
        int[] bare = client.Prompt(messages), auto = client.Prompt(messages, new ChatOptions { Tools = tools });
        Assert.NotEqual(bare, auto);
        Assert.Equal(auto, client.Prompt(messages, new ChatOptions { Tools = tools, ToolMode = ChatToolMode.Auto }));
        Assert.Equal(bare, client.Prompt(messages, new ChatOptions { Tools = tools, ToolMode = ChatToolMode.None }));

        var any = client.Prompt(messages, new ChatOptions { Tools = tools, ToolMode = ChatToolMode.RequireAny });
        Assert.Equal(auto, any[..auto.Length]);
        Assert.Equal("<tool_call>\n", model.Tokenizer!.Decode(any[auto.Length..]));

        var specific = client.Prompt(messages, new ChatOptions { Tools = tools, ToolMode = ChatToolMode.RequireSpecific("memory_save") });
        var onlySave = client.Prompt(messages, new ChatOptions { Tools = new List<AITool> { save } });
        Assert.Equal(onlySave, specific[..onlySave.Length]);
        Assert.Equal("<tool_call>\n{\"name\": \"memory_save\", \"arguments\": ", model.Tokenizer.Decode(specific[onlySave.Length..]));
        Assert.Throws<ArgumentException>(() => client.Prompt(messages, new ChatOptions { Tools = tools, ToolMode = ChatToolMode.RequireSpecific("other") }));
    }

    [Fact]
    public void EveryCall_GetsItsOwnId()
    {
        const string answer = "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>";
        var ids = QwenChatClient.ParseAnswer(answer).Concat(QwenChatClient.ParseAnswer(answer)).OfType<FunctionCallContent>().Select(c => c.CallId).ToList();
        Assert.Equal(4, ids.Count);
        Assert.Equal(4, ids.Distinct().Count());
    }

    [Fact]
    public void AStreamedAnswer_SendsTextUpToTheCall_NeverTheRawCall_AndEndsWithTheCallAsFunctionCallContent()
    {
        const string generated = "Let me look that up.\n<tool_call>\n{\"name\": \"memory_search\", \"arguments\": {\"query\": \"bread\"}}\n</tool_call>";
        var answer = new StreamedAnswer("");
        var sent = new System.Text.StringBuilder();
        for (int n = 1; n <= generated.Length; n++) sent.Append(answer.Add(generated[..n]));
        Assert.Equal("Let me look that up.\n", sent.ToString());
        var (remaining, calls) = answer.Finish(generated);
        Assert.Equal("", remaining);
        Assert.Equal("memory_search", Assert.Single(calls).Name);

        // Text that only looks like the start of a call is held back while it might be one, then sent.
        var plain = new StreamedAnswer("");
        var text = new System.Text.StringBuilder();
        const string lessThan = "a <tool is not a call";
        for (int n = 1; n <= lessThan.Length; n++) text.Append(plain.Add(lessThan[..n]));
        var (rest, none) = plain.Finish(lessThan);
        Assert.Empty(none);
        Assert.Equal(lessThan, text + rest);

        // A required call's forced start is part of the answer, never sent as text.
        var forced = new StreamedAnswer("<tool_call>\n");
        Assert.Null(forced.Add("{\"name\": \"memory_search\", \"arguments\": {}}\n</tool_call>"));
        Assert.Single(forced.Finish("{\"name\": \"memory_search\", \"arguments\": {}}\n</tool_call>").Calls);
    }

    [Fact]
    public void TheNextPrompt_HoldsEachCallOnce_EvenWhenTheAssistantTextStillCarriesIt()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = Backbones.LoadDecoder(folder.Path);
        using var client = new QwenChatClient(model);
        var search = AIFunctionFactory.Create((string query) => "found", "memory_search", "Search memory");
        var call = new FunctionCallContent("c1", "memory_search", new Dictionary<string, object?> { ["query"] = "bread" });
        List<ChatMessage> Conversation(params AIContent[] assistant) => new()
        {
            new(ChatRole.User, "Find bread"),
            new(ChatRole.Assistant, assistant.ToList()),
            new(ChatRole.Tool, new List<AIContent> { new FunctionResultContent("c1", "found") }),
        };
        var options = new ChatOptions { Tools = new List<AITool> { search } };
        var clean = client.Prompt(Conversation(new TextContent("Let me look."), call), options);
        var echoed = client.Prompt(Conversation(new TextContent("Let me look.\n<tool_call>\n{\"name\": \"memory_search\", \"arguments\": {\"query\": \"bread\"}}\n</tool_call>"), call), options);
        Assert.Equal(clean, echoed);
    }
}
