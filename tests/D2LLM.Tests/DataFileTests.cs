using System.IO.Compression;
using System.Text;
using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Models.Tests;

namespace D2LLM.Tests;

public class DataFileTests
{
    [Fact]
    public void PairFile_ReadsHeaderlessTsvWithNliLabels_LeavingNeutralOut()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("nli.tsv"), "甲\t乙\tentailment\n甲\t丙\tneutral\n\n甲\t丁\tcontradiction\n");
        var pairs = PairFile.Read(dir.File("nli.tsv")).ToList();
        Assert.Equal(new[] { new TextPair("甲", "乙", 1), new TextPair("甲", "丁", 0) }, pairs);
        Assert.True(PairFile.IsClassification(pairs, "nli.tsv"));
    }

    [Fact]
    public void PairFile_TaskDetection_RefusesAFewStrayLabelsAmong01_AndTakesGradedLabelsAsSimilarity()
    {
        var binary = Enumerable.Range(0, 30).Select(i => new TextPair($"a{i}", $"b{i}", i % 2)).ToList();
        Assert.True(PairFile.IsClassification(binary, "p.tsv"));
        var typo = binary.Select((p, i) => i == 4 ? p with { Label = 2 } : p).ToList();
        var e = Assert.Throws<InvalidDataException>(() => PairFile.IsClassification(typo, "p.tsv"));
        Assert.StartsWith("p.tsv: pair 5 ('a4' / 'b4') has label 2 in a file whose labels are otherwise 0/1 (1 of 30 are not)", e.Message);
        // Graded scores of which some happen to be 0 or 1 (STS) are similarity, not a typo.
        var graded = binary.Select((p, i) => i % 3 == 0 ? p with { Label = 2.5 + i % 4 } : p).ToList();
        Assert.False(PairFile.IsClassification(graded, "sts.tsv"));
        var required = Assert.Throws<InvalidDataException>(() => PairFile.RequireClassification(graded, "sts.tsv", "teacher fine-tuning"));
        Assert.Equal("sts.tsv: pair 1 ('a0' / 'b0') has label 2.5: teacher fine-tuning needs 0/1 labels (pair classification)", required.Message);
    }

    [Fact]
    public void PairFile_ReadsAGzippedTsvWithAHeaderAndASplitColumn()
    {
        using var dir = new TempDirectory();
        using (var gz = new GZipStream(File.Create(dir.File("sts.tsv.gz")), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes("split\tgenre\tscore\tsentence1\tsentence2\ntrain\tx\t5.000\tA\tB\ntest\tx\t3.800\tC\tD\n"));
        Assert.Equal(new[] { new TextPair("C", "D", 3.8) }, PairFile.Read(dir.File("sts.tsv.gz"), "test"));
        Assert.Equal(2, PairFile.Read(dir.File("sts.tsv.gz")).Count());
        Assert.False(PairFile.IsClassification(PairFile.Read(dir.File("sts.tsv.gz")).ToList(), "sts.tsv.gz"));
    }

    [Fact]
    public void InvalidUtf8_AndADamagedGzip_AreOneLineErrorsNamingTheirLine()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bad.tsv"), "a\tb\t1\nc\td\t0\n"u8.ToArray().Concat(new byte[] { 0x65, 0x09, 0xC3, 0x28, 0x09, 0x31, 0x0A }).ToArray());
        Assert.StartsWith($"{dir.File("bad.tsv")}:3: not valid UTF-8", Assert.Throws<DataLineException>(() => PairFile.Read(dir.File("bad.tsv")).ToList()).Message);

        var zipped = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(zipped, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"text {i}\tother {i}\t1\n"))));
        var bytes = zipped.ToArray();
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(dir.File("damaged.tsv.gz"), bytes);
        var e = Assert.Throws<DataLineException>(() => PairFile.Read(dir.File("damaged.tsv.gz")).ToList());
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(dir.File("damaged.tsv.gz"))}:[0-9]+: ", e.Message); // whichever check the garbage trips first, it names its line
    }

    [Fact]
    public void PairFile_ReadsJsonLinesUnderAnyAcceptedFieldNames()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("p.jsonl"), "{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":2.5}\n{\"text1\":\"c\",\"text2\":\"d\",\"label\":true}\n");
        Assert.Equal(new[] { new TextPair("a", "b", 2.5), new TextPair("c", "d", 1) }, PairFile.Read(dir.File("p.jsonl")));
    }

    [Theory]
    [InlineData("p.tsv", "a\tb\t1\nc\td\n", "p.tsv:2: expected 3 tab-separated fields, found 2")]
    [InlineData("p.tsv", "a\tb\t1\nc\td\tmaybe\n", "p.tsv:2: field \"label\": 'maybe'")]
    [InlineData("p.jsonl", "{\"text1\":\"a\",\"text2\":\"b\",\"label\":1}\n{\"text1\":\"a\",\"label\":1}\n", "p.jsonl:2: field \"text2\" is missing")]
    [InlineData("p.jsonl", "{\"text1\":\"a\",\"text2\":\"b\",\"label\":1}\n{\"text1\":\"a\",\n", "p.jsonl:2: not valid JSON")]
    [InlineData("p.jsonl", "{\"text1\":\"a\",\"text2\":7,\"label\":1}\n", "p.jsonl:1: field \"text2\" is missing or not a string")]
    public void PairFile_NamesFileLineAndFieldOfABadLine(string name, string content, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(name), content);
        var e = Assert.Throws<DataLineException>(() => PairFile.Read(dir.File(name)).ToList());
        Assert.StartsWith(dir.File(expected.Split(':')[0]), e.Message);
        Assert.Contains(expected[(expected.IndexOf(':') + 1)..], e.Message);
        Assert.Equal((dir.File(name), int.Parse(expected.Split(':')[1])), (e.File, e.Line)); // the culprit travels with the exception
    }

    [Fact]
    public void TripletFile_StreamsQueriesWithPositivesAndNegatives_AndNamesBadLines()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("t.jsonl"), "{\"query\":\"q\",\"pos\":[\"p\"],\"neg\":[\"n1\",\"n2\"]}\n{\"query\":\"r\",\"pos\":\"s\"}\n{\"query\":\"x\",\"pos\":[]}\n");
        Assert.True(TripletFile.Recognises(dir.File("t.jsonl")));
        var triplets = TripletFile.Read(dir.File("t.jsonl")).Take(2).ToList();
        Assert.Equal(new[] { "n1", "n2" }, triplets[0].Negatives);
        Assert.Equal(new[] { "s" }, triplets[1].Positives);
        Assert.Empty(triplets[1].Negatives);
        var e = Assert.Throws<DataLineException>(() => TripletFile.Read(dir.File("t.jsonl")).ToList());
        Assert.Equal($"{dir.File("t.jsonl")}:3: field \"pos\" is empty", e.Message);
    }

    [Fact]
    public void PairClassification_MatchesHandComputedAccuracyAndAveragePrecision_WithTies()
    {
        double[] scores = { 0.9, 0.8, 0.8, 0.3, 0.1 }, labels = { 1, 0, 1, 0, 1 };
        // Predicting "positive when ≥ t": t above all → 2/5; t in (0.8, 0.9) → 3/5 (first best); the tied pair at 0.8
        // moves together (+1 −1); t in (0.1, 0.3) → 2/5; t below all → 3/5.
        var (accuracy, threshold) = PairMetrics.BestAccuracy(scores, labels);
        Assert.Equal(0.6, accuracy, 12);
        Assert.Equal(0.85, threshold, 12);
        // AP: at 0.9 recall 1/3 precision 1; at the tied 0.8 recall 2/3 precision 2/3; at 0.1 recall 1 precision 3/5.
        Assert.Equal(1.0 / 3 + 1.0 / 3 * 2 / 3 + 1.0 / 3 * 3 / 5, PairMetrics.AveragePrecision(scores, labels), 12);
        Assert.Equal(0, PairMetrics.AveragePrecision(scores, new double[5]));
        Assert.Equal(1.0, PairMetrics.Classification(new[] { 3.0, 2, 1 }, new[] { 1.0, 1, 0 })["accuracy"], 12);
    }

    [Fact]
    public void RetrievalTask_FromTriplets_MinesGivenNegativesFirstThenBm25WithoutPositives()
    {
        using var dir = new TempDirectory();
        var lines = Enumerable.Range(0, 40).Select(i =>
            $"{{\"query\":\"topic {i} question\",\"pos\":[\"topic {i} answer\"],\"neg\":[\"wrong {i}\"]}}");
        File.WriteAllLines(dir.File("t.jsonl"), lines);
        var task = RetrievalTask.Load(dir.File("t.jsonl"));
        Assert.Equal(80, task.Corpus.Count);
        Assert.Equal(40, task.Train.Count + task.Test.Count);
        Assert.NotEmpty(task.Test); // ~10% held out by a stable hash of the query
        Assert.Equal(task.Test.Select(q => q.Text), RetrievalTask.Load(dir.File("t.jsonl")).Test.Select(q => q.Text));

        var examples = Mining.CandidateMiner.Examples(task, new Mining.Bm25Candidates(task.Corpus), hardNegatives: 3);
        Assert.Equal(task.Train.Count, examples.Count);
        foreach (var e in examples)
        {
            string n = e.Query.Split(' ')[1];
            Assert.Equal($"topic {n} answer", e.Positive);
            Assert.Equal($"wrong {n}", e.Negatives[0]);
            Assert.DoesNotContain(e.Positive, e.Negatives);
            Assert.Equal(3, e.Negatives.Distinct().Count());
        }
    }

    [Fact]
    public void RetrievalTask_FromPairs_TakesLabelOneOrTopStsScoresAsRelevant()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("sts.tsv"), "a\tb\t5\na\tc\t3.9\nd\te\t4\nf\tg\t1\n");
        var task = RetrievalTask.Load(dir.File("sts.tsv"));
        Assert.Equal(new[] { "b", "c", "e", "g" }, task.Corpus);
        var all = task.Train.Concat(task.Test).ToDictionary(q => q.Text);
        Assert.Equal(new[] { "a", "d" }, all.Keys.Order());
        Assert.Equal(new[] { 0 }, all["a"].Positives);
        Assert.Equal(new[] { 2 }, all["d"].Positives);
        Assert.Throws<FileNotFoundException>(() => RetrievalTask.Load(dir.File("missing.tsv")));
    }

    [Fact]
    public void CorpusFile_NamesAnEmptyDocument_AndRetrievalTaskTreatsACorpusAloneAsNeedingQueries()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("c.jsonl"), "{\"text\": \"one\"}\n{\"title\": \"\", \"text\": \"  \"}\n");
        var e = Assert.Throws<DataLineException>(() => CorpusFile.Read(dir.File("c.jsonl")).ToList());
        Assert.Equal($"{dir.File("c.jsonl")}:2: field \"text\" is empty (and there is no title)", e.Message);
        File.WriteAllText(dir.File("ok.jsonl"), "{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
        var task = RetrievalTask.Load(dir.File("ok.jsonl"));
        Assert.True(task.NeedsQueries);
        var withQueries = task.WithQueries(new[] { ("what is one", 0), ("what is two", 1) });
        Assert.False(withQueries.NeedsQueries);
        Assert.Equal(2, withQueries.Train.Count + withQueries.Test.Count);
    }
}
