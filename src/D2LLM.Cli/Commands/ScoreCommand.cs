using System.CommandLine;
using D2LLM.Models.Prompts;
using D2LLM.Models.Qwen;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm score --teacher DIR --template-file FILE --yes-token S --no-token S</c>: {"query","passage"} lines in,
/// {"score","yes_logit","no_logit"} out, score = sigmoid(yes − no) at the prompt's last position.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "teacher model folder (Qwen2/Qwen3 causal LM)", Required = true };
        var templateFile = new Option<string>("--template-file") { Description = "prompt with {query} and {passage}, used verbatim", Required = true };
        var yes = new Option<string>("--yes-token") { Description = "the 'yes' word; its first token's logit is read", Required = true };
        var no = new Option<string>("--no-token") { Description = "the 'no' word; its first token's logit is read", Required = true };
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var batchTokens = CommonOptions.BatchTokens();
        var cmd = new Command("score", "Teacher relevance: P(yes) for each {\"query\", \"passage\"} line under a yes/no prompt.")
        {
            teacher, templateFile, yes, no, input, output, batchTokens,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var template = PromptTemplate.Load(r.GetValue(templateFile)!);
            using var qwen = QwenModel.Load(r.GetValue(teacher)!);
            int yesId = FirstToken(qwen, r.GetValue(yes)!, "--yes-token");
            int noId = FirstToken(qwen, r.GetValue(no)!, "--no-token");
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            var prompts = lines.Read().Select(l => (l.Line, Ids: template.Encode(qwen.Tokenizer!,
                lines.RequireString(l.Json, l.Line, "query"), lines.RequireString(l.Json, l.Line, "passage"))));
            foreach (var batch in Batching.ByTokens(prompts, r.GetValue(batchTokens)))
            {
                var tokens = TokenBatch.Pack(batch.Select(t => t.Ids).ToList());
                var logits = qwen.LastLogits(qwen.Forward(tokens), tokens, new[] { yesId, noId });
                for (int b = 0; b < batch.Count; b++)
                {
                    double y = logits[2 * b], n = logits[2 * b + 1];
                    lines.Write(new { score = 1 / (1 + Math.Exp(n - y)), yes_logit = y, no_logit = n });
                }
            }

            lines.Complete();
            return 0;
        }));
        return cmd;
    }

    private static int FirstToken(QwenModel model, string word, string option)
    {
        var ids = model.Encode(word);
        return ids.Length > 0 ? ids[0] : throw new ArgumentException($"{option}: '{word}' encodes to no token");
    }
}
