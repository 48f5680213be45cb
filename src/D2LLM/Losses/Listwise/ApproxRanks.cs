namespace D2LLM.Losses.Listwise;

/// <summary>
/// Differentiable ranks of one list (shared by ApproxNDCG and ADR-MSE):
///   R̂_j = 1 + Σ_{k≠j} σ((s_k − s_j)/T),
/// and the chain rule from ∂L/∂R̂ to ∂L/∂s: with σ'_jk = σ(x)(1 − σ(x)) at x = (s_k − s_j)/T,
///   ∂R̂_j/∂s_k = σ'_jk/T (k ≠ j),   ∂R̂_j/∂s_j = −Σ_{k≠j} σ'_jk/T.
/// </summary>
public static class ApproxRanks
{
    public static double[] Compute(ReadOnlySpan<float> s, double temperature)
    {
        var r = new double[s.Length];
        for (int j = 0; j < s.Length; j++)
        {
            r[j] = 1;
            for (int k = 0; k < s.Length; k++)
                if (k != j) r[j] += Sigmoid((s[k] - (double)s[j]) / temperature);
        }

        return r;
    }

    /// <summary>Adds Σ_j dR[j]·∂R̂_j/∂s into <paramref name="ds"/>.</summary>
    public static void Backward(ReadOnlySpan<float> s, double temperature, double[] dR, Span<float> ds)
    {
        for (int j = 0; j < s.Length; j++)
        {
            if (dR[j] == 0) continue;
            for (int k = 0; k < s.Length; k++)
            {
                if (k == j) continue;
                double sig = Sigmoid((s[k] - (double)s[j]) / temperature);
                double g = dR[j] * sig * (1 - sig) / temperature;
                ds[k] += (float)g;
                ds[j] -= (float)g;
            }
        }
    }

    /// <summary>The true 1-based ranks of targets sorted descending (ties keep list order).</summary>
    public static int[] TrueRanks(ReadOnlySpan<float> t)
    {
        var values = t.ToArray();
        var order = Enumerable.Range(0, values.Length).OrderByDescending(j => values[j]).ToArray();
        var ranks = new int[values.Length];
        for (int i = 0; i < order.Length; i++) ranks[order[i]] = i + 1;
        return ranks;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
