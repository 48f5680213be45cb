namespace D2LLM.Losses;

/// <summary>
/// In-batch InfoNCE (the un-weighted half of contrastive imitation), as the reference code normalises it:
///   L = (1/B²) Σ_i −log softmax_j(Zin[i, ·]/τ)[i]
/// (a sum over rows divided by B², i.e. the mean divided by B).  ∂L/∂Zin[i, j] = (p_ij − δ_ij)/(τB²).
/// Also the validation loss that drives early stopping.
/// </summary>
public static class InBatchContrastive
{
    public static double Compute(ReadOnlySpan<float> zin, int b, float tau, Span<float> dZin)
    {
        double loss = 0, scale = 1.0 / ((double)b * b);
        Span<double> p = stackalloc double[b];
        for (int i = 0; i < b; i++)
        {
            double logZ = Softmax(zin.Slice(i * b, b), tau, p);
            loss += -(zin[i * b + i] / tau - logZ);
            if (dZin.IsEmpty) continue;
            for (int j = 0; j < b; j++) dZin[i * b + j] += (float)((p[j] - (i == j ? 1 : 0)) / tau * scale);
        }

        return loss * scale;
    }

    /// <summary>p = softmax(x/τ) in double; returns log Σ exp(x/τ).</summary>
    internal static double Softmax(ReadOnlySpan<float> x, float tau, Span<double> p)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < x.Length; j++) max = Math.Max(max, x[j] / tau);
        double sum = 0;
        for (int j = 0; j < x.Length; j++) sum += p[j] = Math.Exp(x[j] / tau - max);
        for (int j = 0; j < x.Length; j++) p[j] /= sum;
        return max + Math.Log(sum);
    }
}
