using System.Text.Json;
using D2LLM.Models.Tests;
using D2LLM.Teacher;

namespace D2LLM.Cli.Tests;

public class TeacherCommandTests
{
    [Fact]
    public void FinetuneTeacher_DeclaresItsPrompt_AndScoreJudgesWithItByDefault()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("pairs.tsv"), Enumerable.Range(0, 24).Select(i =>
            i % 2 == 0 ? $"question {i}\tquestion {i} again\t1" : $"question {i}\tsomething else {i}\t0"));
        string tuned = dir.File("tuned");
        var tuning = Cli.Run("finetune-teacher", "--teacher", teacher.Path, "--data", dir.File("pairs.tsv"), "--out", tuned,
            "--template", "d2llm-en-sym", "--mode", "full", "--batch", "8");
        Assert.True(tuning.Code == 0, tuning.Stderr);
        var declared = JsonDocument.Parse(File.ReadAllText(Path.Combine(tuned, "training.json"))).RootElement;
        var sym = TeacherPrompt.Named("d2llm-en-sym");
        Assert.Equal(sym.Template.Text, declared.GetProperty("template").GetString());
        Assert.Equal(sym.Template.Text, File.ReadAllText(Path.Combine(tuned, "template.txt")));
        Assert.Equal(("yes", "no"), (declared.GetProperty("yes").GetString(), declared.GetProperty("no").GetString()));

        File.WriteAllText(dir.File("q.jsonl"), "{\"query\": \"question 4\", \"passage\": \"question 4 again\"}\n");
        string[] score = { "score", "--teacher", tuned, "--input", dir.File("q.jsonl") };
        var byDefault = Cli.Run(score);
        Assert.True(byDefault.Code == 0, byDefault.Stderr);
        Assert.Contains($"teacher prompt: {Path.Combine(tuned, "training.json")} (yes 'yes', no 'no')", byDefault.Stderr);
        var named = Cli.Run(score.Concat(new[] { "--template", "d2llm-en-sym" }).ToArray());
        var other = Cli.Run(score.Concat(new[] { "--template", "d2llm-en-asym" }).ToArray());
        Assert.Equal(named.Stdout, byDefault.Stdout);
        Assert.NotEqual(other.Stdout, byDefault.Stdout);
    }

    [Fact]
    public void FinetuneTeacher_KilledAndRerun_WritesTheModelOfAnUninterruptedRun()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("pairs.tsv"), Enumerable.Range(0, 24).Select(i =>
            i % 2 == 0 ? $"question {i}\tquestion {i} again\t1" : $"question {i}\tsomething else {i}\t0"));
        string[] Args(string outDir) =>
        [
            "finetune-teacher", "--teacher", teacher.Path, "--data", dir.File("pairs.tsv"), "--out", outDir, "--template", "d2llm-en-sym",
            "--mode", "full", "--batch", "8", "--epochs", "60", "--checkpoint-minutes", "0",
        ];

        string killed = dir.File("killed"), state = Path.Combine(killed, "finetune-state.safetensors");
        Cli.KillWhen(Args(killed), () => File.Exists(state), "training");

        Assert.False(File.Exists(Path.Combine(killed, "model.safetensors")));
        var resumed = Cli.Run(Args(killed));
        Assert.True(resumed.Code == 0, resumed.Stderr);
        Assert.Contains("resuming from", resumed.Stderr);
        var report = JsonDocument.Parse(resumed.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(180, report.GetProperty("steps").GetInt32());
        Assert.InRange(report.GetProperty("steps_this_run").GetInt32(), 1, 179);

        var straight = Cli.Run(Args(dir.File("straight")));
        Assert.True(straight.Code == 0, straight.Stderr);
        using var expected = D2LLM.Models.Checkpoints.SafetensorsFile.Open(Path.Combine(dir.File("straight"), "model.safetensors"));
        using var actual = D2LLM.Models.Checkpoints.SafetensorsFile.Open(Path.Combine(killed, "model.safetensors"));
        Assert.Equal(expected.Tensors.Select(t => t.Name).Order(), actual.Tensors.Select(t => t.Name).Order());
        foreach (var tensor in expected.Tensors) Assert.Equal(expected.ReadFloats(tensor.Name), actual.ReadFloats(tensor.Name));
    }

    [Fact]
    public void TeacherScoreShards_MergeIntoOneFile_WhichNeverReplacesAFileThatIsNotOne()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("pairs.jsonl"), Enumerable.Range(0, 12).Select(i => JsonSerializer.Serialize(new { query = $"question {i % 4}", passage = $"passage {i}" })));
        for (int shard = 1; shard <= 2; shard++)
        {
            var run = Cli.Run("teacher-score", "--teacher", teacher.Path, "--template", "d2llm-en-asym", "--input", dir.File("pairs.jsonl"),
                "--cache", dir.File($"s{shard}.bin"), "--shard", $"{shard}/2");
            Assert.True(run.Code == 0, run.Stderr);
        }

        string[] merge = ["teacher-score", "merge", "--output", dir.File("all.bin"), dir.File("s1.bin"), dir.File("s2.bin")];
        File.WriteAllText(dir.File("all.bin"), "my notes\n");
        var refused = Cli.Run(merge);
        Assert.Equal((2, $"error: --output: {dir.File("all.bin")} exists and is not a judgement file: name another file, or pass --force to replace it"), (refused.Code, refused.Stderr.Trim()));
        Assert.Equal("my notes\n", File.ReadAllText(dir.File("all.bin")));
        var forced = Cli.Run([.. merge, "--force"]);
        Assert.True(forced.Code == 0, forced.Stderr);
        Assert.Contains("merged 12 pairs", forced.Stderr);
        var again = Cli.Run(merge); // replacing an earlier merge needs no --force
        Assert.True(again.Code == 0, again.Stderr);

        // A --cache that is not a judgement file is refused, not appended to.
        var notes = Cli.Run("teacher-score", "--teacher", teacher.Path, "--template", "d2llm-en-asym", "--input", dir.File("pairs.jsonl"), "--cache", dir.File("pairs.jsonl"));
        Assert.Equal($"error: {dir.File("pairs.jsonl")}: not a teacher judgement file", notes.Stderr.Trim().Split('\n')[^1]);
    }
}
