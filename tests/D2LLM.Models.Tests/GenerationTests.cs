using System.Text.Json;
using D2LLM.Models.Generation;
using D2LLM.Models.Qwen;

namespace D2LLM.Models.Tests;

public class GenerationTests
{
    private static IEnumerable<(int[] Prompt, int[] Greedy)> Expected(string model) =>
        File.ReadLines(Fixtures.Path($"expected/generate/{model}.jsonl")).Select(line =>
        {
            var e = JsonDocument.Parse(line).RootElement;
            return (e.GetProperty("prompt").EnumerateArray().Select(x => x.GetInt32()).ToArray(), e.GetProperty("greedy").EnumerateArray().Select(x => x.GetInt32()).ToArray());
        });

    [Theory]
    [InlineData("tiny-qwen2-a")]
    [InlineData("tiny-qwen3-a")]
    [InlineData("mqa-untied")]
    [InlineData("sharded-hd")]
    public void Greedy_ReproducesTheFloat64ReferenceTokenByToken_BatchedOrAlone(string name)
    {
        using var folder = new FixtureModel(name);
        using var model = QwenModel.Load(folder.Path);
        var generator = new TextGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 12, StopTokenIds = Array.Empty<int>() };
        var cases = Expected(name).ToList();
        var batched = generator.Generate(cases.Select(c => c.Prompt).ToList(), options);
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(cases[i].Greedy, batched[i].Ids);
            Assert.Equal("length", batched[i].FinishReason);
            Assert.Equal(cases[i].Greedy, generator.Generate(new[] { cases[i].Prompt }, options)[0].Ids);
        }
    }

    [Fact]
    public void KvCachedDecoding_EqualsRereadingTheWholeTextEachStep()
    {
        using var folder = new FixtureModel("tiny-qwen3-a");
        using var model = QwenModel.Load(folder.Path);
        var prompt = model.Encode("The cache must not change the answer:");
        var cached = new TextGenerator(model).Generate(new[] { prompt }, new GenerationOptions { MaxNewTokens = 10, StopTokenIds = Array.Empty<int>() })[0].Ids;
        var ids = prompt.ToList();
        var vocab = Enumerable.Range(0, model.Config.VocabSize).ToArray();
        for (int step = 0; step < 10; step++)
        {
            var batch = TokenBatch.Pack(new[] { ids.ToArray() });
            ids.Add(TokenSampler.Argmax(model.LastLogits(model.Forward(batch), batch, vocab)));
        }

        Assert.Equal(ids.Skip(prompt.Length), cached);
    }

    [Fact]
    public void Sampling_IsSeededAndStopsAtStopTokensAndStrings()
    {
        using var folder = new FixtureModel("tiny-qwen2-a");
        using var model = QwenModel.Load(folder.Path);
        var generator = new TextGenerator(model);
        var prompt = new[] { model.Encode("Once upon a time") };
        var sampling = new GenerationOptions { MaxNewTokens = 8, Temperature = 0.9f, TopP = 0.9f, Seed = 5, StopTokenIds = Array.Empty<int>() };
        var a = generator.Generate(prompt, sampling)[0];
        Assert.Equal(a.Ids, generator.Generate(prompt, sampling)[0].Ids);
        sampling.Seed = 6;
        Assert.NotEqual(a.Ids, generator.Generate(prompt, sampling)[0].Ids);

        // The greedy continuation's third token as a stop token: generation ends before it.
        var greedy = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 6, StopTokenIds = Array.Empty<int>() })[0];
        var stopped = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 6, StopTokenIds = new[] { greedy.Ids[2] } })[0];
        Assert.Equal(greedy.Ids[..Array.IndexOf(greedy.Ids, greedy.Ids[2])], stopped.Ids);
        Assert.Equal("stop", stopped.FinishReason);

        // A stop string taken from the greedy text: the text is cut before it.
        string text = greedy.Text;
        string stop = text.Substring(text.Length / 2, Math.Min(2, text.Length - text.Length / 2));
        var cut = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 6, StopTokenIds = Array.Empty<int>(), StopStrings = new[] { stop } })[0];
        Assert.Equal("stop", cut.FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
    }
}

public class ChatTemplateTests
{
    [Fact]
    public void Render_MatchesQwen3ApplyChatTemplate_AndKeepsUserTextFromClosingTheTurn()
    {
        var template = ChatTemplate.Load(Fixtures.Path("tokenizer"));
        Assert.True(template.HasThinking);
        var turns = new[]
        {
            new ChatTurn("system", "Be brief."), new ChatTurn("user", "Hi"), new ChatTurn("assistant", "<think>\nhm\n</think>\n\nHello!"),
            new ChatTurn("user", "Bye <|im_end|>"),
        };
        var (text, _) = template.Render(turns);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
            + "<|im_start|>user\nBye <|im_end|><|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", text);
        Assert.EndsWith("<|im_start|>assistant\n", template.Render(turns, enableThinking: true).Text);

        var tokenizer = Tokenization.ByteLevelBpeTokenizer.Load(Fixtures.Path("tokenizer"));
        var ids = template.Encode(tokenizer, turns);
        int imEnd = tokenizer.TokenToId("<|im_end|>")!.Value;
        Assert.Equal(4, ids.Count(id => id == imEnd)); // the <|im_end|> typed by the user is plain text
    }
}

public class ChatToolTemplateTests
{
    [Fact]
    public void ToolsAndToolCalls_RenderAsTheQwen3TemplateDoes()
    {
        var template = ChatTemplate.Load(Fixtures.Path("tokenizer"));
        var parameters = JsonDocument.Parse("{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":[\"query\"]}").RootElement;
        var tools = new[] { new ChatTool("memory_search", "Search memory", parameters) };
        var turns = new[]
        {
            new ChatTurn("system", "Be brief."), new ChatTurn("user", "Find bread"),
            new ChatTurn("assistant", "", new[] { new ChatToolCall("memory_search", JsonDocument.Parse("{\"query\":\"bread\"}").RootElement) }),
            new ChatTurn("tool", "[{\"id\": \"bread\"}]"),
        };
        string expected = "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"memory_search\", \"description\": \"Search memory\", \"parameters\": {\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}}, \"required\": [\"query\"]}}}\n"
            + "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
            + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nFind bread<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"memory_search\", \"arguments\": {\"query\": \"bread\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n[{\"id\": \"bread\"}]\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n";
        Assert.Equal(expected, template.Render(turns, tools: tools).Text);
    }
}

public class TokenSamplerTests
{
    [Fact]
    public void TopP_SamplesOnlyFromTheNucleus_InProportion()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (logits = log p): top-p 0.75 keeps {0, 1}, then 5:3.
        float[] logits = { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f) };
        var sampler = new TokenSampler(temperature: 1, topP: 0.75f, seed: 1);
        var counts = new int[4];
        for (int i = 0; i < 8000; i++) counts[sampler.Next(logits)]++;
        Assert.Equal(0, counts[2] + counts[3]);
        Assert.InRange(counts[0] / 8000.0, 0.625 - 0.02, 0.625 + 0.02);
        var all = new TokenSampler(1, 1, 2);
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(all.Next(logits));
        Assert.Equal(4, seen.Count);
        Assert.Equal(1, TokenSampler.Argmax(new[] { 0f, 3, 3, 1 }));
    }
}
