using System.Text.Json;
using D2LLM.Models.Checkpoints;
using D2LLM.Models.Tests;
using D2LLM.Training;

namespace D2LLM.Cli.Tests;

public class DistillCommandTests
{
    /// <summary>A synthetic BEIR folder: each query's relevant document shares its two topic words.</summary>
    private static void WriteBeir(string dir, int queries)
    {
        var words = "river stone cloud paper garden engine music winter bridge candle forest silver harbor meadow signal copper".Split(' ');
        Directory.CreateDirectory(Path.Combine(dir, "qrels"));
        using var corpus = new StreamWriter(Path.Combine(dir, "corpus.jsonl"));
        using var queryFile = new StreamWriter(Path.Combine(dir, "queries.jsonl"));
        using var train = new StreamWriter(Path.Combine(dir, "qrels", "train.tsv"));
        using var test = new StreamWriter(Path.Combine(dir, "qrels", "test.tsv"));
        train.WriteLine("query-id\tcorpus-id\tscore");
        test.WriteLine("query-id\tcorpus-id\tscore");
        for (int i = 0; i < queries; i++)
        {
            string a = words[i % words.Length], b = words[i / words.Length % words.Length], c = words[(i * 7 + 3) % words.Length];
            corpus.WriteLine(JsonSerializer.Serialize(new { _id = $"d{i}", title = "", text = $"notes on {a} and {b} number {i}" }));
            corpus.WriteLine(JsonSerializer.Serialize(new { _id = $"x{i}", title = "", text = $"a remark about {c} and {a} item {i}" }));
            queryFile.WriteLine(JsonSerializer.Serialize(new { _id = $"q{i}", text = $"what about {a} {b}" }));
            (i % 10 == 0 ? test : train).WriteLine($"q{i}\td{i}\t1");
        }
    }

    [Fact]
    public void Distill_KilledWhileJudgingAndAgainWhileTraining_ScoresNoPairTwice_AndEndsAsAnUninterruptedRun()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        WriteBeir(dir.File("data"), 600);
        string[] Args(string outDir) =>
        [
            "distill", "--teacher", teacher.Path, "--backbone", backbone.Path, "--data", dir.File("data"), "--out", outDir,
            "--template", "d2llm-en-asym", "--mode", "heads", "--budget-minutes", "10", "--max-steps", "300", "--checkpoint-minutes", "0",
            "--hard-negatives", "3", "--batch-queries", "4", "--eval-queries", "20",
        ];

        string killed = dir.File("student"), store = Path.Combine(killed, "teacher-judgements.bin"), checkpoint = Path.Combine(killed, "trainer.safetensors");
        Cli.KillWhen(Args(killed), () => File.Exists(store) && new FileInfo(store).Length > 4096, "judging");
        Assert.False(File.Exists(checkpoint));
        Cli.KillWhen(Args(killed), () => File.Exists(checkpoint), "training");
        Assert.False(File.Exists(Path.Combine(killed, "report.json")));
        var (code, stdout, stderr) = Cli.Run(Args(killed));
        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(0, report.GetProperty("judgements_scored_this_run").GetInt32());
        Assert.Equal(300, report.GetProperty("steps").GetInt32());
        Assert.InRange(report.GetProperty("steps_this_run").GetInt32(), 1, 299);

        // The store holds exactly one record per pair: nothing was scored twice across the three runs.
        int total = report.GetProperty("judgements_total").GetInt32();
        var (reopened, records) = JudgementStore.Open(store, JudgementStore.ReadIdentity(store));
        reopened.Dispose();
        Assert.Equal(total, records.Count);
        Assert.Equal(total, records.Select(r => (r.Query, r.Passage)).Distinct().Count());

        // An uninterrupted run of the same command ends with the same judgements, student and report.
        string straight = dir.File("straight");
        var uninterrupted = Cli.Run(Args(straight));
        Assert.True(uninterrupted.Code == 0, uninterrupted.Stderr);
        var expectedReport = JsonDocument.Parse(uninterrupted.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(300, expectedReport.GetProperty("steps_this_run").GetInt32());
        Assert.Equal(expectedReport.GetProperty("spearman_vs_teacher").GetDouble(), report.GetProperty("spearman_vs_teacher").GetDouble());
        var expectedPath = Path.Combine(straight, "teacher-judgements.bin");
        var (expectedStore, expectedRecords) = JudgementStore.Open(expectedPath, JudgementStore.ReadIdentity(expectedPath));
        expectedStore.Dispose();
        var judged = records.ToDictionary(r => (r.Query, r.Passage), r => r.Score);
        foreach (var (query, passage, score) in expectedRecords)
        {
            Assert.Equal(score.YesLogit, judged[(query, passage)].YesLogit);
            Assert.Equal(score.Feature, judged[(query, passage)].Feature);
        }

        using var expectedHeads = SafetensorsFile.Open(Path.Combine(straight, "heads.safetensors"));
        using var heads = SafetensorsFile.Open(Path.Combine(killed, "heads.safetensors"));
        Assert.Equal(expectedHeads.Tensors.Select(t => t.Name).Order(), heads.Tensors.Select(t => t.Name).Order());
        foreach (var tensor in expectedHeads.Tensors) Assert.Equal(expectedHeads.ReadFloats(tensor.Name), heads.ReadFloats(tensor.Name));
    }

    private static readonly string[] TopicWords = "river stone cloud paper garden engine music winter bridge candle forest silver".Split(' ');

    /// <summary>Two topic words for text i: texts that share them are about the same thing.</summary>
    private static string Topic(int i) => $"{TopicWords[i % 12]} {TopicWords[i / 12 % 12]}";

    [Fact]
    public void Distill_OnATripletFile_WritesAStudentAndItsReport()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("triplets.jsonl"), Enumerable.Range(0, 120).Select(i => JsonSerializer.Serialize(new
        {
            query = $"{Topic(i)} question {i}", pos = new[] { $"{Topic(i)} answer {i}" }, neg = new[] { $"{Topic(i + 5)} unrelated {i}" },
        })));
        string outDir = dir.File("student");
        var (code, stdout, stderr) = Cli.Run("distill", "--teacher", teacher.Path, "--backbone", backbone.Path, "--data", dir.File("triplets.jsonl"),
            "--out", outDir, "--template", "d2llm-en-asym", "--mode", "heads", "--budget-minutes", "0.1", "--hard-negatives", "3", "--batch-queries", "4");
        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;
        Assert.True(report.GetProperty("train_examples").GetInt32() > 90);
        Assert.True(report.GetProperty("steps").GetInt32() > 0);
        Assert.True(report.GetProperty("eval_queries").GetInt32() > 0);
        Assert.True(File.Exists(Path.Combine(outDir, "student.json")));
        Assert.Equal(report.GetProperty("steps").GetInt32(), JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void Distill_OnAPairFile_TrainsTheSymmetricBranch_JudgedWithTheSymmetricPrompt()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("pairs.tsv"), Enumerable.Range(0, 120).SelectMany(i => new[]
        {
            $"{Topic(i)} sentence {i}\t{Topic(i)} paraphrase {i}\t1", $"{Topic(i)} sentence {i}\t{Topic(i + 5)} unrelated {i}\t0",
        }));
        string outDir = dir.File("student");
        string[] args = { "distill", "--teacher", teacher.Path, "--backbone", backbone.Path, "--data", dir.File("pairs.tsv"),
            "--mode", "heads", "--budget-minutes", "0.1", "--hard-negatives", "3", "--batch-queries", "4" };
        var (code, _, stderr) = Cli.Run(args.Append("--out").Append(outDir).ToArray());
        Assert.True(code == 0, stderr);
        Assert.Contains("symmetric task, teacher prompt d2llm-zh-sym", stderr);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;
        Assert.Equal(("symmetric", "d2llm-zh-sym"), (report.GetProperty("task").GetString(), report.GetProperty("template").GetString()));
        Assert.Equal("symmetric", JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "student.json"))).RootElement.GetProperty("task").GetString());

        var forced = Cli.Run(args.Concat(new[] { "--task", "asymmetric", "--out", dir.File("student-asym") }).ToArray());
        Assert.True(forced.Code == 0, forced.Stderr);
        Assert.Contains("asymmetric task, teacher prompt d2llm-zh-asym", forced.Stderr);
        Assert.Contains("--task: unknown task 'both'", Cli.Run(args.Concat(new[] { "--task", "both", "--out", dir.File("student-x") }).ToArray()).Stderr);
    }

    [Fact]
    public void DistillRankDistillm_TrainsACrossEncoderThatEvalCanRerankWith()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        WriteBeir(dir.File("data"), 120);
        string outDir = dir.File("cross");
        var (code, stdout, stderr) = Cli.Run("distill", "--method", "rank-distillm", "--teacher", teacher.Path, "--backbone", backbone.Path,
            "--data", dir.File("data"), "--out", outDir, "--template", "d2llm-en-asym", "--budget-minutes", "0.25", "--depth", "8", "--eval-queries", "10");
        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("rank-distillm", report.GetProperty("method").GetString());
        Assert.Equal("full", report.GetProperty("tuning").GetString()); // auto: a tiny backbone trains fully
        Assert.True(File.Exists(Path.Combine(outDir, "backbone.safetensors")));
        Assert.True(report.GetProperty("train_lists").GetInt32() > 50);
        Assert.True(report.GetProperty("student_pairs_per_s").GetDouble() > 0);
        // Full tuning holds the 16-wide backbone in float32: 151,936 × 16 × 4 bytes of embedding and a little more.
        Assert.InRange(report.GetProperty("student_weights_mb").GetDouble(), 9.7, 10.5);
        Assert.Contains("stage2-teacher:", stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "cross-encoder.json")));

        var eval = Cli.Run("eval", "--model", outDir, "--data", dir.File("data"), "--depth", "10");
        Assert.True(eval.Code == 0, eval.Stderr);
        var metrics = JsonDocument.Parse(eval.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(metrics.GetProperty("columns").TryGetProperty("model", out _));
    }

    [Fact]
    public void Distill_OnACorpusWithoutQueries_WritesPseudoQueriesAndTrainsOnThem()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        var words = "river stone cloud paper garden engine music winter bridge candle forest silver".Split(' ');
        File.WriteAllLines(dir.File("corpus.jsonl"), Enumerable.Range(0, 150).Select(i =>
            JsonSerializer.Serialize(new { text = $"a note on the {words[i % 12]} and the {words[i / 12 % 12]}, number {i}" })));
        string outDir = dir.File("student");
        string[] args =
        {
            "distill", "--teacher", teacher.Path, "--backbone", backbone.Path, "--data", dir.File("corpus.jsonl"), "--out", outDir,
            "--template", "d2llm-en-asym", "--mode", "heads", "--budget-minutes", "0.1", "--hard-negatives", "3", "--batch-queries", "4",
            "--pseudo-queries", "120", "--pseudo-min-score", "0", "--mining", "dense", // a random judge writes random tokens: BM25 finds nothing for them
        };
        var (code, stdout, stderr) = Cli.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("pseudo-queries for 120 sampled passages", stderr);
        var queries = File.ReadAllLines(Path.Combine(outDir, "pseudo-queries.jsonl"));
        Assert.True(queries.Length > 60, $"{queries.Length} pseudo-queries kept");
        Assert.True(JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("train_examples").GetInt32() > 40);

        // A rerun reads the queries back instead of writing new ones.
        var again = Cli.Run(args);
        Assert.True(again.Code == 0, again.Stderr);
        Assert.Contains($"read {queries.Length} pseudo-queries", again.Stderr);
    }

    [Fact]
    public void DistillRankDistillm_WithTheListwiseTeacher_RanksEachListOnceAndResumesFromTheStore()
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var backbone = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        WriteBeir(dir.File("data"), 60);
        string outDir = dir.File("cross");
        string[] args =
        {
            "distill", "--method", "rank-distillm", "--teacher-mode", "listwise", "--teacher", teacher.Path, "--backbone", backbone.Path,
            "--data", dir.File("data"), "--out", outDir, "--template", "d2llm-en-asym", "--budget-minutes", "0.1", "--depth", "4",
            "--train-queries", "8", "--eval-queries", "4", "--lists-per-step", "2", "--tuning", "lora",
        };
        var (code, _, stderr) = Cli.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("backbone tuning: lora", stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "lora.safetensors")));
        Assert.Contains("listwise teacher: 8 rankings (8 made in this run)", stderr);
        var again = Cli.Run(args);
        Assert.True(again.Code == 0, again.Stderr);
        Assert.Contains("listwise teacher: 8 rankings (0 made in this run)", again.Stderr);
    }
}
