namespace D2LLM.Evaluation;

/// <summary>
/// Metrics over scored text pairs. Graded similarity (STS): Spearman and Pearson correlation with the gold scores.
/// Pair classification (labels 0/1): accuracy at the best threshold, and average precision as scikit-learn
/// computes it (precision at each distinct score, weighted by the recall it adds; equal scores form one step).
/// </summary>
public static class PairMetrics
{
    public static Dictionary<string, double> Similarity(IReadOnlyList<double> scores, IReadOnlyList<double> gold) => new()
    {
        ["spearman"] = Correlation.Spearman(scores, gold),
        ["pearson"] = Correlation.Pearson(scores, gold),
    };

    public static Dictionary<string, double> Classification(IReadOnlyList<double> scores, IReadOnlyList<double> labels)
    {
        if (scores.Count != labels.Count) throw new ArgumentException("one label per score");
        var (accuracy, threshold) = BestAccuracy(scores, labels);
        return new() { ["accuracy"] = accuracy, ["threshold"] = threshold, ["ap"] = AveragePrecision(scores, labels) };
    }

    /// <summary>
    /// The best accuracy of "positive when score ≥ t" over every threshold t that separates distinct scores (and
    /// t above all, calling everything negative); t is reported as the midpoint between neighbouring scores.
    /// </summary>
    public static (double Accuracy, double Threshold) BestAccuracy(IReadOnlyList<double> scores, IReadOnlyList<double> labels)
    {
        var order = Descending(scores);
        int n = scores.Count, positives = labels.Count(l => l > 0);
        int correct = n - positives; // threshold above every score: all predicted negative
        int best = correct;
        double threshold = n == 0 ? 0 : scores[order[0]] + 1;
        for (int i = 0; i < n; i++)
        {
            correct += labels[order[i]] > 0 ? 1 : -1;
            bool boundary = i == n - 1 || scores[order[i + 1]] < scores[order[i]];
            if (boundary && correct > best)
            {
                best = correct;
                threshold = i == n - 1 ? scores[order[i]] - 1 : (scores[order[i]] + scores[order[i + 1]]) / 2;
            }
        }

        return (n == 0 ? 0 : (double)best / n, threshold);
    }

    /// <summary>AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores, highest first.</summary>
    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<double> labels)
    {
        var order = Descending(scores);
        int positives = labels.Count(l => l > 0);
        if (positives == 0) return 0;
        double ap = 0, previousRecall = 0;
        int hits = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (labels[order[i]] > 0) hits++;
            if (i < order.Length - 1 && scores[order[i + 1]] == scores[order[i]]) continue;
            double recall = (double)hits / positives;
            ap += (recall - previousRecall) * hits / (i + 1);
            previousRecall = recall;
        }

        return ap;
    }

    private static int[] Descending(IReadOnlyList<double> scores) =>
        Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
}
