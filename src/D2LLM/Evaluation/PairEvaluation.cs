using D2LLM.Data;
using D2LLM.Mining;
using D2LLM.Pipelines;
using D2LLM.Teacher;

namespace D2LLM.Evaluation;

/// <summary>
/// Evaluation on a pair file: graded labels → Spearman / Pearson (STS); 0/1 labels → accuracy and average precision
/// at the best threshold (pair classification). Columns: BM25 (text2 scored for text1 over an index of all second
/// texts), the model, and the teacher's P(yes) when one is given.
/// </summary>
public static class PairEvaluation
{
    /// <param name="pairs">the labelled pairs (at least two)</param>
    /// <param name="source">where they come from, for errors</param>
    /// <param name="task">how the labels are read</param>
    /// <param name="model">the model under evaluation</param>
    /// <param name="teacher">a teacher to score the pairs with too, or null</param>
    /// <param name="progress">stage counts</param>
    public static PairEvaluationReport Run(IReadOnlyList<TextPair> pairs, string source, PairTask task, EvaluatedModel model, TeacherModel? teacher,
        IProgress<PipelineProgress>? progress = null)
    {
        if (pairs.Count < 2) throw new InvalidDataException($"{source}: fewer than two labelled pairs");
        bool binary = task switch
        {
            PairTask.Classification => true,
            PairTask.Sts => false,
            _ => PairFile.IsClassification(pairs, source),
        };
        var gold = pairs.Select(p => p.Label).ToList();
        Dictionary<string, double> Measure(IReadOnlyList<double> scores) => binary ? PairMetrics.Classification(scores, gold) : PairMetrics.Similarity(scores, gold);

        var seconds = pairs.Select(p => p.Text2).Distinct(StringComparer.Ordinal).ToList();
        var position = seconds.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
        var bm25 = new Bm25Candidates(seconds);
        var columns = new Dictionary<string, Dictionary<string, double>>
        {
            ["bm25"] = Measure(pairs.Select(p => (double)bm25.Index.Score(p.Text1, position[p.Text2])).ToList()),
        };
        if (!model.IsBm25) columns["model"] = Measure(Chunked(pairs, "scoring pairs with the model", model.ScorePairs, progress));
        if (teacher is not null)
            columns["teacher"] = Measure(Chunked(pairs, "scoring pairs with the teacher", teacher.ScorePairs, progress));
        return new PairEvaluationReport(binary ? "pair-classification" : "sts", pairs.Count, columns);
    }

    /// <summary>Scores of the pairs, 32 at a time, with progress.</summary>
    public static double[] Chunked(IReadOnlyList<TextPair> pairs, string title, Func<IReadOnlyList<TextPair>, double[]> score, IProgress<PipelineProgress>? progress)
    {
        const int chunk = 32;
        var scores = new double[pairs.Count];
        var report = PipelineStages.Counter(progress, $"{title} (pairs)");
        for (int start = 0; start < pairs.Count; start += chunk)
        {
            var part = pairs.Skip(start).Take(chunk).ToList();
            score(part).CopyTo(scores, start);
            report?.Invoke(start + part.Count, pairs.Count);
        }

        return scores;
    }
}
