namespace D2LLM.Losses.Listwise;

/// <summary>
/// Q candidate lists of n passages each, row-major: student scores s[q·n + j] and teacher targets t[q·n + j], higher
/// is better (for teacher ranks, t = depth − rank + 1; for teacher scores, the scores). Every listwise loss returns
/// its value and adds ∂L/∂s into the gradient span it is given (none when empty).
/// </summary>
public readonly record struct ListBatch(int Lists, int Size)
{
    public int Length => Lists * Size;

    public void Check(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, Span<float> dScores)
    {
        if (scores.Length != Length || targets.Length != Length) throw new ArgumentException($"expected {Lists} lists of {Size}: {Length} scores and targets");
        if (!dScores.IsEmpty && dScores.Length != Length) throw new ArgumentException("the gradient has the scores' length");
    }
}

/// <summary>The listwise objectives of Rank-DistiLLM (docs/method.md B.6).</summary>
public enum ListwiseLoss
{
    RankNet,
    KlDivergence,
    ApproxNdcg,
    AdrMse,
    Lce,
}

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
    internal static double[] Softmax(ReadOnlySpan<float> x)
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
