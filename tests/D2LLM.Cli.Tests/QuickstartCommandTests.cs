namespace D2LLM.Cli.Tests;

public class QuickstartCommandTests
{
    [Fact]
    public void Quickstart_WithNoArguments_IndexesTheSampleCorpusAndAnswersEveryQuery_SayingTheModelIsRandom()
    {
        using var dir = new D2LLM.Models.Tests.TempDirectory();
        var (code, stdout, stderr) = Cli.Run("quickstart", "--store", dir.File("q.db"));
        Assert.True(code == 0, stderr);
        Assert.Contains("randomly initialised", stdout);
        Assert.Contains("indexed 30 documents", stdout);
        foreach (var query in File.ReadLines(D2LLM.Models.Tests.Fixtures.Path("../../samples/quickstart/queries.jsonl")))
            Assert.Contains(System.Text.Json.JsonDocument.Parse(query).RootElement.GetProperty("query").GetString()!, stdout);
        Assert.Contains("doc-", stdout);
    }
}
