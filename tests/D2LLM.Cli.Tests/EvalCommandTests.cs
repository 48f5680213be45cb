using System.Text.Json;
using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

public class EvalCommandTests
{
    private static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;

    [Fact]
    public void Eval_OnAPairClassificationFile_ReportsAccuracyAndAveragePrecision()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("pairs.tsv"), "red apple pie\tapple pie recipe red\t1\nred apple pie\tcar engine oil\t0\nblue sky\tthe sky is blue\t1\nblue sky\tdeep sea fish\t0\n");
        var (code, stdout, stderr) = Cli.Run("eval", "--model", "bm25", "--data", dir.File("pairs.tsv"), "--output", dir.File("m.json"));
        Assert.True(code == 0, stderr);
        var json = LastJson(stdout);
        Assert.Equal("pair-classification", json.GetProperty("task").GetString());
        Assert.Equal(1.0, json.GetProperty("accuracy").GetDouble());
        Assert.Equal(1.0, json.GetProperty("ap").GetDouble());
        Assert.Equal(json.GetRawText(), JsonDocument.Parse(File.ReadAllText(dir.File("m.json"))).RootElement.GetRawText());
    }

    [Fact]
    public void Eval_OnAnStsFile_ReportsCorrelations()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("sts.jsonl"), """
            {"sentence1": "a man plays a guitar", "sentence2": "a man plays a guitar loudly", "score": 4.8}
            {"sentence1": "a woman cuts onions", "sentence2": "a woman slices an onion", "score": 3.5}
            {"sentence1": "the cat sleeps", "sentence2": "stocks fell today", "score": 0.2}
            """);
        var (code, stdout, stderr) = Cli.Run("eval", "--model", "bm25", "--data", dir.File("sts.jsonl"));
        Assert.True(code == 0, stderr);
        var json = LastJson(stdout);
        Assert.Equal("sts", json.GetProperty("task").GetString());
        Assert.True(json.GetProperty("spearman").GetDouble() > 0.4);
        Assert.True(json.TryGetProperty("pearson", out _));
    }

    [Fact]
    public void Eval_WithABadLine_FailsWithOneLineNamingFileAndLine()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("pairs.tsv"), "a\tb\t1\nc\td\tperhaps\n");
        var (code, _, stderr) = Cli.Run("eval", "--model", "bm25", "--data", dir.File("pairs.tsv"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {dir.File("pairs.tsv")}:2: field \"label\": 'perhaps' is neither a number nor entailment/neutral/contradiction", stderr.Trim());
    }

    [Fact]
    public void Eval_RefusesAStrayLabelInA01File_UnlessTheTaskIsGiven()
    {
        using var dir = new TempDirectory();
        // 39 pairs labelled 0/1 and one typo: auto-detection would have switched the whole file to graded similarity.
        var lines = Enumerable.Range(0, 40).Select(i => $"query {i}\tpassage {i}\t{(i == 17 ? 2 : i % 2)}");
        File.WriteAllText(dir.File("pairs.tsv"), string.Join("\n", lines) + "\n");
        var (code, _, stderr) = Cli.Run("eval", "--model", "bm25", "--data", dir.File("pairs.tsv"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {dir.File("pairs.tsv")}: pair 18 ('query 17' / 'passage 17') has label 2 in a file whose labels are otherwise 0/1 (1 of 40 are not): "
            + "fix the label, or state the task: --pair-task classification or --pair-task sts", stderr.Trim());

        var (forced, stdout, forcedErr) = Cli.Run("eval", "--model", "bm25", "--data", dir.File("pairs.tsv"), "--pair-task", "classification");
        Assert.True(forced == 0, forcedErr);
        Assert.Equal("pair-classification", LastJson(stdout).GetProperty("task").GetString());
    }

    [Fact]
    public void Eval_OnABeirFolder_ReportsTheRetrievalMetrics()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("qrels"));
        File.WriteAllText(dir.File("corpus.jsonl"), "{\"_id\":\"d1\",\"title\":\"\",\"text\":\"apple pie\"}\n{\"_id\":\"d2\",\"title\":\"Sky\",\"text\":\"is blue\"}\n");
        File.WriteAllText(dir.File("queries.jsonl"), "{\"_id\":\"q1\",\"text\":\"blue sky\"}\n");
        File.WriteAllText(dir.File("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td2\t1\n");
        var (code, stdout, stderr) = Cli.Run("eval", "--model", "bm25", "--data", dir.Path);
        Assert.True(code == 0, stderr);
        var json = LastJson(stdout);
        foreach (var key in new[] { "ndcg@10", "mrr@10", "recall@10", "recall@100", "map" }) Assert.Equal(1.0, json.GetProperty(key).GetDouble());
    }
}
