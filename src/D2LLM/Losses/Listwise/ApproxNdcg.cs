namespace D2LLM.Losses.Listwise;

/// <summary>
/// ApproxNDCG over approximate ranks R̂ (<see cref="ApproxRanks"/>): gains g_j = 2^{t_j} − 1 (scaled, the default) or
/// g_j = t_j, negative targets clamped to 0;
///   DCG = Σ_j g_j / log2(1 + R̂_j),  IDCG = Σ_i g_(i) / log2(1 + i) over the gains sorted descending,
///   L = (1/Q) Σ_q (1 − DCG/IDCG),   ∂L/∂R̂_j = g_j / (IDCG·Q·(1 + R̂_j)·ln 2·log2²(1 + R̂_j)).
/// A list whose IDCG is 0 contributes 0. Unscaled gains suit rank targets (2^100 is useless as a gain).
/// </summary>
public static class ApproxNdcg
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores,
        bool scaleGains = true, double temperature = 1)
    {
        shape.Check(scores, targets, dScores);
        int n = shape.Size;
        double loss = 0;
        for (int q = 0; q < shape.Lists; q++)
        {
            var s = scores.Slice(q * n, n);
            var gains = new double[n];
            for (int j = 0; j < n; j++)
            {
                double t = Math.Max(targets[q * n + j], 0);
                gains[j] = scaleGains ? Math.Pow(2, t) - 1 : t;
            }

            double idcg = gains.OrderDescending().Select((g, i) => g / Math.Log2(2 + i)).Sum();
            if (idcg <= 0) continue;
            var r = ApproxRanks.Compute(s, temperature);
            double dcg = 0;
            for (int j = 0; j < n; j++) dcg += gains[j] / Math.Log2(1 + r[j]);
            loss += 1 - dcg / idcg;
            if (dScores.IsEmpty) continue;
            var dR = new double[n];
            for (int j = 0; j < n; j++)
            {
                double l = Math.Log2(1 + r[j]);
                dR[j] = gains[j] / (idcg * shape.Lists * (1 + r[j]) * Math.Log(2) * l * l);
            }

            ApproxRanks.Backward(s, temperature, dR, dScores.Slice(q * n, n));
        }

        return loss / shape.Lists;
    }
}
