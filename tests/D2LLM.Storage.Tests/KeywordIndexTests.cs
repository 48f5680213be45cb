using D2LLM.Storage.Text;

namespace D2LLM.Storage.Tests;

public class KeywordIndexTests
{
    [Fact]
    public void Analyzer_GivesWordsForLatinAndUnigramsPlusBigramsForChinese()
    {
        Assert.Equal(new[] { "estrogen", "receptor", "2", "乳", "腺", "乳腺", "癌", "腺癌", "ok" }, KeywordAnalyzer.Terms("Estrogen-Receptor 2: 乳腺癌 OK"));
    }

    [Fact]
    public void Bm25_MatchesAHandComputedScore()
    {
        var index = new Bm25Index(new[] { "a b", "a c c", "d" }, k1: 1.2, b: 0.75);
        // Query "c": df = 1 of N = 3 → idf = ln(1 + 2.5/1.5); doc 1 has tf 2, |d| 3, avgdl 2.
        double idf = Math.Log(1 + 2.5 / 1.5);
        double expected = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / 2.0));
        var hits = index.Search("c", 10);
        Assert.Single(hits);
        Assert.Equal(1, hits[0].Doc);
        Assert.Equal(expected, hits[0].Score, 5);
        Assert.Equal(new[] { 0, 1 }, index.Search("a", 10).Select(h => h.Doc).OrderBy(d => d));
        Assert.Equal(new[] { 0 }, index.Search("a", 10, new HashSet<int> { 1 }).Select(h => h.Doc));
        // Scoring one document gives the same number as ranking them all.
        foreach (var (doc, score) in index.Search("a c d", 10)) Assert.Equal(score, index.Score("a c d", doc));
        Assert.Equal(0f, index.Score("c", 2));
    }
}
