namespace D2LLM.Losses.Listwise;

/// <summary>Computes any <see cref="ListwiseLoss"/> by name.</summary>
public static class Listwise
{
    public static double Compute(ListwiseLoss loss, ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores) => loss switch
    {
        ListwiseLoss.RankNet => RankNet.Compute(scores, targets, shape, dScores),
        ListwiseLoss.KlDivergence => ListwiseKl.Compute(scores, targets, shape, dScores),
        ListwiseLoss.ApproxNdcg => ApproxNdcg.Compute(scores, targets, shape, dScores),
        ListwiseLoss.AdrMse => AdrMse.Compute(scores, targets, shape, dScores),
        _ => LocalizedContrastive.Compute(scores, targets, shape, dScores),
    };

    public static ListwiseLoss Parse(string name) => name.ToLowerInvariant() switch
    {
        "ranknet" => ListwiseLoss.RankNet,
        "kl" or "listnet" => ListwiseLoss.KlDivergence,
        "approxndcg" => ListwiseLoss.ApproxNdcg,
        "adr-mse" or "adrmse" => ListwiseLoss.AdrMse,
        "lce" or "infonce" => ListwiseLoss.Lce,
        _ => throw new ArgumentException($"unknown listwise loss '{name}' (ranknet, kl, approxndcg, adr-mse, lce)"),
    };

    /// <summary>Softmax of one list in float64.</summary>
    public static double[] Softmax(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        var p = new double[x.Length];
        double sum = 0;
        for (int j = 0; j < x.Length; j++) sum += p[j] = Math.Exp(x[j] - max);
        for (int j = 0; j < x.Length; j++) p[j] /= sum;
        return p;
    }
}
