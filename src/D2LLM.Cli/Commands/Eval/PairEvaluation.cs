using D2LLM.Data;
using D2LLM.Evaluation;
using D2LLM.Mining;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands.Eval;

/// <summary>
/// Evaluation on a pair file: graded labels → Spearman / Pearson (STS); 0/1 labels → accuracy and average precision
/// at the best threshold (pair classification). Columns: BM25 (text2 scored for text1 over an index of all second
/// texts), the model, and the teacher's P(yes) when one is given.
/// </summary>
internal static class PairEvaluation
{
    public static Dictionary<string, Dictionary<string, double>> Run(string path, string split, int limit, string task, EvalModel model, TeacherModel? teacher,
        Dictionary<string, object> result)
    {
        var pairs = PairFile.Read(path, split).Take(limit).ToList();
        if (pairs.Count < 2) throw new InvalidDataException($"{path}: fewer than two labelled pairs (split '{split}')");
        bool binary = task switch
        {
            "classification" => true,
            "sts" => false,
            "auto" => IsClassification(pairs, path),
            _ => throw new ArgumentException($"--pair-task: unknown task '{task}' (auto, classification, sts)"),
        };
        var gold = pairs.Select(p => p.Label).ToList();
        result["task"] = binary ? "pair-classification" : "sts";
        result["pairs"] = pairs.Count;
        Dictionary<string, double> Measure(IReadOnlyList<double> scores) => binary ? PairMetrics.Classification(scores, gold) : PairMetrics.Similarity(scores, gold);

        var seconds = pairs.Select(p => p.Text2).Distinct(StringComparer.Ordinal).ToList();
        var position = seconds.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
        var bm25 = new Bm25Candidates(seconds);
        var columns = new Dictionary<string, Dictionary<string, double>>
        {
            ["bm25"] = Measure(pairs.Select(p => (double)bm25.Index.Score(p.Text1, position[p.Text2])).ToList()),
        };
        if (!model.IsBm25) columns["model"] = Measure(Chunked(pairs, "scoring pairs with the model", model.ScorePairs));
        if (teacher is not null)
            columns["teacher"] = Measure(Chunked(pairs, "scoring pairs with the teacher", teacher.ScorePairs));
        return columns;
    }

    /// <summary>The library's task detection, its advice spoken in this command's flag.</summary>
    private static bool IsClassification(List<TextPair> pairs, string path)
    {
        try
        {
            return PairFile.IsClassification(pairs, path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message}: --pair-task classification or --pair-task sts", e);
        }
    }

    internal static double[] Chunked(List<TextPair> pairs, string title, Func<IReadOnlyList<TextPair>, double[]> score)
    {
        const int chunk = 32;
        var scores = new double[pairs.Count];
        ProgressDisplay.Run($"{title} (pairs)", report =>
        {
            for (int start = 0; start < pairs.Count; start += chunk)
            {
                var part = pairs.GetRange(start, Math.Min(chunk, pairs.Count - start));
                score(part).CopyTo(scores, start);
                report(start + part.Count, pairs.Count);
            }
        });
        return scores;
    }
}
