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
}
