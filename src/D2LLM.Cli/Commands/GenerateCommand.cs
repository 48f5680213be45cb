using System.CommandLine;
using D2LLM.Models.Generation;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm generate --model DIR</c>: {"prompt": "..."} lines (raw text, special tokens recognised) or
/// {"messages": [{"role", "content"}]} lines (rendered with the model's chat template) in; {"text", "ids",
/// "finish_reason"} lines out. Lines are generated in batches of --batch.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate at most", DefaultValueFactory = _ => 128 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 0 };
        var stop = new Option<string[]>("--stop") { Description = "stop strings", AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch") { Description = "prompts decoded together", DefaultValueFactory = _ => 8 };
        var thinking = new Option<bool>("--thinking") { Description = "Qwen3 chat: let the model think (no empty <think> block)" };
        var cmd = new Command("generate", "Continue prompts (or chat messages, in the model's chat format) with a KV-cached decoder.")
        {
            model, input, output, maxNew, temperature, topP, seed, stop, batch, thinking,
        };
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            using var decoder = device.LoadDecoder(r, r.GetValue(model)!);
            var chat = new Lazy<ChatTemplate>(() => ChatTemplate.Load(r.GetValue(model)!));
            var generator = new TextGenerator(decoder);
            var options = new GenerationOptions
            {
                MaxNewTokens = r.GetValue(maxNew), Temperature = r.GetValue(temperature), TopP = r.GetValue(topP), Seed = r.GetValue(seed),
                StopStrings = r.GetValue(stop) ?? Array.Empty<string>(),
                StopTokenIds = TextGenerator.EndOfTurnIds(decoder),
            };
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            var prompts = lines.Read().Select(l =>
            {
                if (l.Json["messages"] is System.Text.Json.Nodes.JsonArray messages)
                {
                    var turns = messages.Select((m, i) => new ChatTurn(
                        m?["role"]?.GetValue<string>() ?? throw new DataLineException(lines.Source, l.Line, $"messages[{i}] has no \"role\""),
                        m["content"]?.GetValue<string>() ?? throw new DataLineException(lines.Source, l.Line, $"messages[{i}] has no \"content\""))).ToList();
                    return chat.Value.Encode(decoder.Tokenizer!, turns, enableThinking: r.GetValue(thinking));
                }

                var ids = decoder.Encode(lines.RequireString(l.Json, l.Line, "prompt"));
                return ids.Length > 0 ? ids : throw new DataLineException(lines.Source, l.Line, $"field \"prompt\" is empty");
            });
            foreach (var group in prompts.Chunk(Math.Max(1, r.GetValue(batch))))
                foreach (var g in generator.Generate(group, options))
                    lines.Write(new { text = g.Text, ids = g.Ids, finish_reason = g.FinishReason });
            lines.Complete();
            return 0;
        }));
        return cmd;
    }
}
