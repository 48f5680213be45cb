namespace D2LLM.Losses;

/// <summary>
/// Teacher-weighted hard-negative contrastive imitation (CI). Weights W[i,0] = Sh[i,0] (teacher P(yes) of the
/// positive) and W[i,k] = 1 − Sh[i,k] (P(no) of each hard negative), so a negative the teacher finds relevant is
/// neutralised. With x_c = W[i,c]·Zh[i,c]/τ:
///   L = (α/(B·K)) Σ_i −log softmax(x)[0];   ∂L/∂Zh[i,c] = (α/(B·K))·(p_c − δ_c0)·W[i,c]/τ.
/// Computed with a stable log-sum-exp (the reference adds 1e-20 to the sum instead).
/// </summary>
public static class ContrastiveImitation
{
    public static double Compute(ReadOnlySpan<float> zh, ReadOnlySpan<float> sh, BatchShape shape, float tau, float alpha, Span<float> dZh)
    {
        int n = shape.Candidates;
        double loss = 0, scale = alpha / ((double)shape.B * shape.K);
        Span<float> x = stackalloc float[n];
        Span<double> p = stackalloc double[n];
        for (int i = 0; i < shape.B; i++)
        {
            for (int c = 0; c < n; c++) x[c] = Weight(sh[i * n + c], c) * zh[i * n + c];
            double logZ = InBatchContrastive.Softmax(x, tau, p);
            loss += -(x[0] / tau - logZ);
            if (dZh.IsEmpty) continue;
            for (int c = 0; c < n; c++)
                dZh[i * n + c] += (float)(scale * (p[c] - (c == 0 ? 1 : 0)) * Weight(sh[i * n + c], c) / tau);
        }

        return loss * scale;
    }

    private static float Weight(float teacherYes, int candidate) => candidate == 0 ? teacherYes : 1f - teacherYes;
}
