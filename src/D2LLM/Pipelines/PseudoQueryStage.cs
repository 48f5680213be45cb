using System.Globalization;
using System.Text.Json;
using D2LLM.Data;
using D2LLM.Teacher;

namespace D2LLM.Pipelines;

/// <summary>
/// For a corpus without queries: a local Qwen (the teacher unless another generator is given) writes a query for each
/// of up to N sampled passages (a seeded sample, so reruns write the same), the teacher keeps those it judges relevant
/// to their passage, and the corpus becomes a retrieval task with those queries. The queries are kept in
/// OUT/pseudo-queries.jsonl (written whole, then renamed), and a rerun reads them back instead of generating again.
/// </summary>
public static class PseudoQueryStage
{
    public const string FileName = "pseudo-queries.jsonl";

    /// <summary><paramref name="task"/> itself when it has queries; else the task with pseudo-queries.</summary>
    public static RetrievalTask Ensure(RetrievalTask task, string outDir, TeacherModel judge, PseudoQuerySettings settings, IProgress<PipelineProgress>? progress)
    {
        if (!task.NeedsQueries) return task;
        Directory.CreateDirectory(outDir);
        string path = Path.Combine(outDir, FileName);
        List<(int Passage, string Query)> queries;
        if (File.Exists(path))
        {
            queries = TripletFile.Read(path).Select(t => (int.Parse(t.Positives[0], CultureInfo.InvariantCulture), t.Query)).ToList();
            progress?.Report(PipelineProgress.Log($"read {queries.Count} pseudo-queries from {path}"));
        }
        else
        {
            var sample = Enumerable.Range(0, task.Corpus.Count).ToArray();
            new Random(23).Shuffle(sample);
            var chosen = sample.Take(settings.Passages).Order().ToList();
            var generator = new PseudoQueryGenerator(settings.Generator ?? judge.Model, judge, new PseudoQueryOptions { MinTeacherScore = settings.MinScore });
            var written = generator.Generate(chosen.Select(i => task.Corpus[i]).ToList(), PipelineStages.Counter(progress, "writing pseudo-queries (passages)"));
            queries = written.Select(w => (chosen[w.Passage], w.Query)).ToList();
            File.WriteAllLines(path + ".partial", queries.Select(q => JsonSerializer.Serialize(
                new { query = q.Query, pos = new[] { q.Passage.ToString(CultureInfo.InvariantCulture) } })));
            File.Move(path + ".partial", path, overwrite: true);
            progress?.Report(PipelineProgress.Log($"wrote {queries.Count} pseudo-queries for {chosen.Count} sampled passages (the rest failed the teacher's check or repeated) into {path}"));
        }

        if (queries.Count == 0) throw new InvalidDataException($"{task.Source}: no pseudo-query passed the teacher's check (minimum score {settings.MinScore})");
        return task.WithQueries(queries.Select(q => (q.Query, q.Passage)));
    }
}
