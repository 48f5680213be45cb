namespace D2LLM.Losses;

/// <summary>
/// Rank imitation, hard-vs-easy part: the student should put each hard negative k above each in-batch negative
/// m ≠ i by as much as the teacher does. With w = max(0, Sh[i,k] − Sin[i,m])/λ, d = Zh[i,k] − Zin[i,m], σ = sigmoid(d):
///   L = (γ/(B·K·(B−1))) Σ_i Σ_k Σ_{m≠i} w·(−log(σ + 1e-8));   ∂L/∂d = −coef·w·σ(1−σ)/(σ + 1e-8).
/// (The reference code names the teacher tensors wrongly here; this uses the intended slices.)
/// </summary>
public static class BprRankImitation
{
    public static double Compute(ReadOnlySpan<float> zh, ReadOnlySpan<float> zin, ReadOnlySpan<float> sh, ReadOnlySpan<float> sin,
        BatchShape shape, float gamma, float lambda, Span<float> dZh, Span<float> dZin)
    {
        int b = shape.B, n = shape.Candidates;
        if (b < 2 || shape.K < 1) return 0;
        double coef = gamma / ((double)b * shape.K * (b - 1));
        double loss = 0;
        for (int i = 0; i < b; i++)
        {
            for (int k = 1; k < n; k++)
            {
                for (int m = 0; m < b; m++)
                {
                    if (m == i) continue;
                    double w = Math.Max(0, sh[i * n + k] - sin[i * b + m]) / lambda;
                    if (w == 0) continue;
                    double d = zh[i * n + k] - zin[i * b + m];
                    double s = 1 / (1 + Math.Exp(-d));
                    loss += w * -Math.Log(s + 1e-8);
                    double g = -coef * w * s * (1 - s) / (s + 1e-8);
                    if (!dZh.IsEmpty) dZh[i * n + k] += (float)g;
                    if (!dZin.IsEmpty) dZin[i * b + m] -= (float)g;
                }
            }
        }

        return loss * coef;
    }
}
