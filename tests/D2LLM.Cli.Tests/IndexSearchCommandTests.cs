using System.Text.Json;
using D2LLM.Models.Tests;
using D2LLM.Storage;
using D2LLM.Storage.Embedded;

namespace D2LLM.Cli.Tests;

public class IndexSearchCommandTests
{
    private static void WriteDocuments(string path, int count) =>
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new { id = $"doc-{i}", text = $"document number {i} about topic {i % 37}", lang = "en", year = 2000 + i % 20 })));

    [Fact]
    public async Task IndexThenSearch_FindsADocumentByItsOwnText_AndReindexingChangesNothing()
    {
        using var model = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        WriteDocuments(dir.File("docs.jsonl"), 40);
        string[] index = { "index", "--store", dir.File("v.db"), "--model", model.Path, "--input", dir.File("docs.jsonl") };
        var first = Cli.Run(index);
        Assert.True(first.Code == 0, first.Stderr);
        var again = Cli.Run(index);
        Assert.Contains("40 documents in 'documents' (40 already stored unchanged)", again.Stderr);
        using (var stored = new EmbeddedVectorStore(dir.File("v.db")))
        {
            var record = (await stored.GetCollection("documents", new CollectionOptions(16)).GetAsync(new[] { VectorKey.From("doc-3") })).Single();
            Assert.Equal(2003L, record.Metadata["year"]); // an integer field stays an integer
            Assert.Equal("en", record.Metadata["lang"]);
        }

        File.WriteAllText(dir.File("q.jsonl"), "{\"query\": \"document number 17 about topic 17\"}\n");
        var (code, stdout, stderr) = Cli.Run("search", "--store", dir.File("v.db"), "--model", model.Path, "--top", "3", "--input", dir.File("q.jsonl"));
        Assert.True(code == 0, stderr);
        var line = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.Equal("document number 17 about topic 17", line.GetProperty("query").GetString());
        var hits = line.GetProperty("hits");
        Assert.Equal(3, hits.GetArrayLength());
        Assert.Equal("doc-17", hits[0].GetProperty("id").GetString());
        Assert.Equal(1.0, hits[0].GetProperty("score").GetDouble(), 4);
    }

    [Fact]
    public void Index_WithABadLineLateInTheInput_NamesTheLine_AndWritesNothing()
    {
        using var model = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        WriteDocuments(dir.File("docs.jsonl"), 300);
        File.AppendAllText(dir.File("docs.jsonl"), "{\"id\": \"late\", \"text\": 7}\n");
        var (code, _, stderr) = Cli.Run("index", "--store", dir.File("v.db"), "--model", model.Path, "--input", dir.File("docs.jsonl"), "--batch", "10");
        Assert.NotEqual(0, code);
        Assert.Contains($"{dir.File("docs.jsonl")}:301: field \"text\" is missing or not a string", stderr);
        Assert.DoesNotContain("indexed ", stderr);
    }

    [Fact]
    public async Task Index_KilledDuringALargeUpsert_LosesNothingAcknowledged_AndResumes()
    {
        using var model = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        const int total = 30000;
        WriteDocuments(dir.File("docs.jsonl"), total);
        string[] index = { "index", "--store", dir.File("v.db"), "--model", model.Path, "--input", dir.File("docs.jsonl"), "--batch", "100" };
        int acknowledged = 0;
        using (var process = Cli.Start(index))
        {
            _ = process.StandardOutput.ReadToEndAsync();
            while (process.StandardError.ReadLine() is { } line)
            {
                if (!line.StartsWith("indexed ", StringComparison.Ordinal)) continue;
                acknowledged = int.Parse(line.Split(' ')[1]);
                if (acknowledged >= 2000) break;
            }

            process.Kill(entireProcessTree: true); // SIGKILL, possibly in the middle of the next batch's transaction
            process.WaitForExit();
        }

        Assert.True(acknowledged >= 2000 && acknowledged < total, $"acknowledged {acknowledged}");
        using (var store = new EmbeddedVectorStore(dir.File("v.db")))
        {
            var collection = store.GetCollection("documents", new CollectionOptions(16));
            long stored = await collection.CountAsync();
            Assert.True(stored >= acknowledged && stored % 100 == 0, $"{stored} stored, {acknowledged} acknowledged");
            Assert.Single(await collection.GetAsync(new[] { VectorKey.From($"doc-{acknowledged - 1}") }));
        }

        var (code, _, stderr) = Cli.Run(index);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{total} documents in 'documents' (", stderr);
        using var reopened = new EmbeddedVectorStore(dir.File("v.db"));
        Assert.Equal(total, await reopened.GetCollection("documents", new CollectionOptions(16)).CountAsync());
    }

    [Fact]
    public async Task TwoProcessesIndexingIntoOneFile_AtTheSameTime_LeaveEveryDocumentAndAnIntactFile()
    {
        using var model = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("a.jsonl"), Enumerable.Range(0, 1500).Select(i => JsonSerializer.Serialize(new { id = $"a-{i}", text = $"first set {i}" })));
        File.WriteAllLines(dir.File("b.jsonl"), Enumerable.Range(0, 1500).Select(i => JsonSerializer.Serialize(new { id = $"b-{i}", text = $"second set {i}" })));
        var runs = new[] { "a", "b" }.Select(name => Task.Run(() =>
            Cli.Run("index", "--store", dir.File("v.db"), "--model", model.Path, "--input", dir.File($"{name}.jsonl"), "--batch", "50"))).ToArray();
        foreach (var (code, _, stderr) in await Task.WhenAll(runs)) Assert.True(code == 0, stderr);

        using var store = new EmbeddedVectorStore(dir.File("v.db"));
        Assert.Equal(3000, await store.GetCollection("documents", new CollectionOptions(16)).CountAsync());
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("v.db")};Pooling=False");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", cmd.ExecuteScalar());
    }
}
