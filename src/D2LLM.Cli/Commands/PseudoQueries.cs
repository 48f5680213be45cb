using D2LLM.Data;
using D2LLM.Models.Qwen;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// For `distill` on a corpus without queries: the local Qwen (the teacher unless --generator names another) writes a
/// query for each of up to N sampled passages (a seeded sample, so reruns write the same), the teacher filters them,
/// and the corpus becomes a retrieval task with those queries. The queries are kept in OUT/pseudo-queries.jsonl, and a
/// rerun reads them back instead of generating again.
/// </summary>
internal static class PseudoQueries
{
    public static RetrievalTask Ensure(RetrievalTask task, string outDir, string? generatorDir, TeacherModel judge, int passages, double minScore, Action<string> log)
    {
        if (!task.NeedsQueries) return task;
        Directory.CreateDirectory(outDir);
        string path = Path.Combine(outDir, "pseudo-queries.jsonl");
        List<(int Passage, string Query)> queries;
        if (File.Exists(path))
        {
            queries = TripletFile.Read(path).Select(t => (int.Parse(t.Positives[0], System.Globalization.CultureInfo.InvariantCulture), t.Query)).ToList();
            log($"read {queries.Count} pseudo-queries from {path}");
        }
        else
        {
            var sample = Enumerable.Range(0, task.Corpus.Count).ToArray();
            new Random(23).Shuffle(sample);
            var chosen = sample.Take(passages).Order().ToList();
            using var own = generatorDir is null ? null : QwenModel.Load(generatorDir);
            var generator = new PseudoQueryGenerator(own ?? judge.Model, judge, new PseudoQueryOptions { MinTeacherScore = minScore });
            var written = new List<(int, string)>();
            ProgressDisplay.Run("writing pseudo-queries (passages)", report => written = generator.Generate(chosen.Select(i => task.Corpus[i]).ToList(), report));
            queries = written.Select(w => (chosen[w.Item1], w.Item2)).ToList();
            File.WriteAllLines(path + ".partial", queries.Select(q => System.Text.Json.JsonSerializer.Serialize(
                new { query = q.Query, pos = new[] { q.Passage.ToString(System.Globalization.CultureInfo.InvariantCulture) } })));
            File.Move(path + ".partial", path, overwrite: true);
            log($"wrote {queries.Count} pseudo-queries for {chosen.Count} sampled passages (the rest failed the teacher's check or repeated) into {path}");
        }

        if (queries.Count == 0) throw new InvalidDataException($"{task.Source}: no pseudo-query passed the teacher's check (--pseudo-min-score {minScore})");
        return task.WithQueries(queries.Select(q => (q.Query, q.Passage)));
    }
}
