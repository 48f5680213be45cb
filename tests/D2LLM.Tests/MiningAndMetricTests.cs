using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Models.Tests;

namespace D2LLM.Tests;

public class MiningAndMetricTests
{
    [Fact]
    public void Spearman_UsesAverageRanksForTies()
    {
        Assert.Equal(new[] { 1.5, 1.5, 3 }, Correlation.Ranks(new[] { 5.0, 5.0, 7.0 }));
        Assert.Equal(1.0, Correlation.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 20, 30, 400 }), 10);
        Assert.Equal(-1.0, Correlation.Spearman(new[] { 1.0, 2, 3 }, new[] { 3.0, 2, 1 }), 10);
        // x = (1, 2, 2, 3) → ranks (1, 2.5, 2.5, 4); y = (1, 3, 2, 4) → ranks (1, 3, 2, 4): Pearson of the ranks.
        Assert.Equal(Correlation.Pearson(new[] { 1, 2.5, 2.5, 4 }, new[] { 1.0, 3, 2, 4 }), Correlation.Spearman(new[] { 1.0, 2, 2, 3 }, new[] { 1.0, 3, 2, 4 }), 10);
    }

    [Fact]
    public void BeirDataset_ReadsTitlesAndQrels_AndNamesABadLine_OrAJudgementOfAnUnknownQueryOrDocument()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("qrels"));
        File.WriteAllText(dir.File("corpus.jsonl"), "{\"_id\":\"d1\",\"title\":\"T\",\"text\":\"body\"}\n{\"_id\":\"d2\",\"text\":\"x\"}\n");
        File.WriteAllText(dir.File("queries.jsonl"), "{\"_id\":\"q1\",\"text\":\"what\"}\n");
        File.WriteAllText(dir.File("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td2\t1\n");
        var data = BeirDataset.Load(dir.Path);
        Assert.Equal("T body", data.Corpus[0].Text);
        Assert.Equal(1, data.Qrels("test")["q1"]["d2"]);
        File.WriteAllText(dir.File("qrels/dev.tsv"), "query-id\tcorpus-id\tscore\nq1\td2\t1\nq1\td9\t1\n");
        Assert.EndsWith("dev.tsv:3: corpus-id \"d9\" is not in corpus.jsonl", Assert.Throws<DataLineException>(() => data.Qrels("dev")).Message);
        File.WriteAllText(dir.File("qrels/dev.tsv"), "query-id\tcorpus-id\tscore\nq7\td2\t1\n");
        Assert.EndsWith("dev.tsv:2: query-id \"q7\" is not in the folder's queries", Assert.Throws<DataLineException>(() => data.Qrels("dev")).Message);
        File.WriteAllText(dir.File("queries.jsonl"), "\n");
        Assert.Contains("queries.jsonl: hold no queries", Assert.Throws<InvalidDataException>(() => BeirDataset.Load(dir.Path)).Message);
        File.WriteAllText(dir.File("queries.jsonl"), "{\"_id\":\"q1\",\"text\":\"what\"}\n");
        File.Move(dir.File("corpus.jsonl"), dir.File("full-corpus.jsonl"));
        File.WriteAllText(dir.File("corpus.jsonl"), "");
        Assert.EndsWith("corpus.jsonl: holds no documents", Assert.Throws<InvalidDataException>(() => BeirDataset.Load(dir.Path)).Message);
        File.Move(dir.File("full-corpus.jsonl"), dir.File("corpus.jsonl"), overwrite: true);
        File.AppendAllText(dir.File("corpus.jsonl"), "{\"_id\":\"d3\"}\n");
        var e = Assert.Throws<DataLineException>(() => BeirDataset.Load(dir.Path));
        Assert.EndsWith("corpus.jsonl:3: field \"text\" is missing or not a string", e.Message);
    }
}

public class DenseIndexTests
{
    private sealed class TableEncoder : D2LLM.Retrieval.IDenseEncoder
    {
        private readonly List<string> _seen = new();

        public Dictionary<string, float[]> Vectors { get; } = new();
        public int Dimensions => 3;
        public int MaxTokens => int.MaxValue;

        // One "token" per text: its index among the texts seen, so EmbedTokens finds the text's vector again.
        public int[] Tokenize(string text)
        {
            _seen.Add(text);
            return [_seen.Count - 1];
        }

        public float[] EmbedTokens(IReadOnlyList<int[]> texts) => texts.SelectMany(ids => Vectors[_seen[ids[0]]]).ToArray();

        public float[] Embed(IReadOnlyList<string> texts) => texts.SelectMany(t => Vectors[t]).ToArray();

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Search_RanksByCosineInFloat64Order_SkipsExcluded_AndBreaksTiesByDocumentOrder()
    {
        var encoder = new TableEncoder();
        var rng = new Random(7);
        var docs = Enumerable.Range(0, 40).Select(i => $"d{i}").ToList();
        foreach (var d in docs) encoder.Vectors[d] = new[] { (float)rng.NextDouble() - 0.5f, (float)rng.NextDouble() - 0.5f, (float)rng.NextDouble() - 0.5f };
        encoder.Vectors["d39"] = encoder.Vectors["d3"].Select(x => x * 2).ToArray(); // same direction as d3: a tie
        var index = D2LLM.Retrieval.DenseIndex.Build(encoder, docs, batchSize: 7);
        float[] query = { 0.3f, -0.2f, 0.9f };
        double Cos(float[] v) => v.Zip(query, (a, b) => (double)a * b).Sum() / Math.Sqrt(v.Sum(x => (double)x * x) * query.Sum(x => (double)x * x));
        var expected = Enumerable.Range(0, 40).OrderByDescending(i => Math.Round(Cos(encoder.Vectors[docs[i]]), 6)).ThenBy(i => i).Where(i => i != 5).Take(10).ToList();
        var hits = index.Search(query, 10, new HashSet<int> { 5 });
        Assert.Equal(expected, hits.Select(h => h.Doc));
        Assert.All(hits, h => Assert.Equal(Cos(encoder.Vectors[docs[h.Doc]]), h.Score, 5));
        Assert.Throws<ArgumentException>(() => index.Search(new float[4], 1));
    }

    [Fact]
    public void Search_WithManyExactTies_EqualsAFullSortOfTheSameScores()
    {
        var encoder = new TableEncoder();
        var rng = new Random(11);
        var directions = Enumerable.Range(0, 20).Select(_ => new[] { (float)rng.NextDouble() - 0.5f, (float)rng.NextDouble() - 0.5f, (float)rng.NextDouble() - 0.5f }).ToArray();
        var docs = Enumerable.Range(0, 500).Select(i => $"d{i}").ToList();
        foreach (var (d, i) in docs.Select((d, i) => (d, i))) encoder.Vectors[d] = directions[i % 20]; // 25 identical vectors per direction
        var index = D2LLM.Retrieval.DenseIndex.Build(encoder, docs, batchSize: 64);
        float[] query = { -0.4f, 0.1f, 0.7f };
        float Score(int i)
        {
            var v = encoder.Vectors[docs[i]].ToArray();
            var q = query.ToArray();
            System.Numerics.Tensors.TensorPrimitives.Divide(v, System.Numerics.Tensors.TensorPrimitives.Norm(v), v);
            System.Numerics.Tensors.TensorPrimitives.Divide(q, System.Numerics.Tensors.TensorPrimitives.Norm(q), q);
            return System.Numerics.Tensors.TensorPrimitives.Dot(q, v);
        }

        var exclude = new HashSet<int> { 0, 20, 41, 77 };
        foreach (int top in new[] { 1, 37, 490, 600 })
        {
            var expected = Enumerable.Range(0, 500).Where(i => !exclude.Contains(i)).OrderByDescending(Score).ThenBy(i => i).Take(top).Select(i => (i, Score(i))).ToList();
            Assert.Equal(expected, index.Search(query, top, exclude));
        }

        Assert.Empty(index.Search(query, 0));
    }
}
