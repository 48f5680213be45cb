using System.CommandLine;
using D2LLM.Teacher;
using D2LLM.Retrieval;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm score --teacher DIR (--template NAME | --template-file FILE --yes-token S --no-token S)</c>:
/// {"query","passage"} lines in, {"score","yes_logit","no_logit"} out, score = sigmoid(yes − no) at the prompt's end.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "teacher model folder (Qwen2/Qwen3 causal LM)", Required = true };
        var prompt = new TeacherPromptOptions();
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var batchTokens = CommonOptions.BatchTokens();
        var cmd = new Command("score", "Teacher relevance: P(yes) for each {\"query\", \"passage\"} line under a yes/no prompt.")
        {
            teacher, input, output, batchTokens,
        };
        prompt.AddTo(cmd);
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var teacherPrompt = prompt.Resolve(r, r.GetValue(teacher)!);
            using var decoder = device.LoadDecoder(r, r.GetValue(teacher)!);
            var judge = new TeacherModel(decoder, teacherPrompt);
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            var prompts = lines.Read().Select(l => (l.Line, Ids: judge.Encode(
                lines.RequireString(l.Json, l.Line, "query"), lines.RequireString(l.Json, l.Line, "passage"))));
            foreach (var batch in TokenBudget.Batches(prompts, p => p.Ids.Length, r.GetValue(batchTokens)))
            {
                foreach (var s in judge.Score(batch.Select(t => t.Ids).ToList()))
                    lines.Write(new { score = s.Probability, yes_logit = (double)s.YesLogit, no_logit = (double)s.NoLogit });
            }

            lines.Complete();
            return 0;
        }));
        return cmd;
    }
}
