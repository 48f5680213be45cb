using System.CommandLine;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm teacher-score --teacher DIR --input PAIRS.jsonl --cache FILE [--shard i/n]</c>: the teacher judges
/// {"query","passage"} pairs into an append-only judgement file (resumable after a kill; pairs already there are
/// skipped). With --shard i/n a process takes the queries whose stable hash falls in its share, so n processes or
/// machines split the work; <c>teacher-score merge --output FILE SHARD...</c> joins their files.
/// </summary>
internal static class TeacherScoreCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "teacher model folder", Required = true };
        var input = CommonOptions.Input();
        var cache = new Option<string>("--cache") { Description = "judgement file to append to (created if missing)", Required = true };
        var shard = new Option<string>("--shard") { Description = "i/n: judge only this share of the queries", DefaultValueFactory = _ => "1/1" };
        var prompt = new TeacherPromptOptions();
        var cmd = new Command("teacher-score", "Teacher judgements for {\"query\", \"passage\"} lines into a resumable, shardable judgement file.")
        {
            teacher, input, cache, shard,
        };
        prompt.AddTo(cmd);
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var (index, count) = ParseShard(r.GetValue(shard)!);
            var judgePrompt = prompt.Resolve(r, r.GetValue(teacher)!);
            using var model = device.LoadDecoder(r, r.GetValue(teacher)!);
            var judge = new TeacherModel(model, judgePrompt);
            using var lines = new JsonLines(r.GetValue(input), null);
            var groups = lines.Read()
                .Select(l => (Query: lines.RequireString(l.Json, l.Line, "query"), Passage: lines.RequireString(l.Json, l.Line, "passage")))
                .Where(p => TeacherJudgements.OwnsQuery(p.Query, index, count))
                .GroupBy(p => p.Query, StringComparer.Ordinal)
                .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(p => p.Passage).ToList()))
                .ToList();
            using var judgements = TeacherJudgements.Open(r.GetValue(cache)!, judge);
            int before = judgements.Count;
            ProgressDisplay.Run($"teacher-score shard {index}/{count} (pairs)", report => judgements.Fill(judge, groups, report));
            Console.Error.WriteLine($"teacher-score: {judgements.Scored} pairs scored, {before} were already in {r.GetValue(cache)}");
            return 0;
        }));

        var output = new Option<string>("--output") { Description = "merged judgement file", Required = true };
        var shards = new Argument<string[]>("shards") { Description = "judgement files of the shards", Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force") { Description = "replace an --output file that is not a judgement file" };
        var merge = new Command("merge", "Join the judgement files of several shards (same teacher weights, prompt and temperature) into one.") { output, shards, force };
        merge.SetAction(r => CommandRunner.Run(() =>
        {
            // Replacing an earlier merge is the point of a rerun; replacing anything else needs saying so.
            if (File.Exists(r.GetValue(output)) && !r.GetValue(force) && !IsJudgementFile(r.GetValue(output)!))
                throw new IOException($"--output: {r.GetValue(output)} exists and is not a judgement file: name another file, or pass --force to replace it");
            int pairs = JudgementStore.Merge(r.GetValue(shards)!, r.GetValue(output)!);
            Console.Error.WriteLine($"merged {pairs} pairs into {r.GetValue(output)}");
            return 0;
        }));
        cmd.Subcommands.Add(merge);
        return cmd;
    }

    private static bool IsJudgementFile(string path)
    {
        try
        {
            JudgementStore.ReadIdentity(path);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && i >= 1 && i <= n) return (i, n);
        throw new ArgumentException($"--shard: expected i/n with 1 ≤ i ≤ n, got '{text}'");
    }
}
