namespace D2LLM.Losses;

/// <summary>
/// Rank imitation, Pearson part: per query, the correlation between student logits x = Zh[i,·] and teacher
/// probabilities y = Sh[i,·] over the K+1 candidates, with n₁ = K divisors and the reference's ε:
///   ρ = C / (Sx·Sy + ε),  C = Σ(x−x̄)(y−ȳ)/n₁,  Sx = √(Σ(x−x̄)²/n₁);   L = (β/B) Σ_i (1 − ρ_i).
///   ∂ρ/∂x_c = [(y_c−ȳ)/n₁·(SxSy+ε) − C·Sy·(x_c−x̄)/(n₁Sx)] / (SxSy+ε)².
/// </summary>
public static class PearsonRankImitation
{
    private const double Eps = 1e-8;

    public static double Compute(ReadOnlySpan<float> zh, ReadOnlySpan<float> sh, BatchShape shape, float beta, Span<float> dZh)
    {
        int n = shape.Candidates, n1 = n - 1;
        double loss = 0, scale = beta / shape.B;
        for (int i = 0; i < shape.B; i++)
        {
            var x = zh.Slice(i * n, n);
            var y = sh.Slice(i * n, n);
            double mx = 0, my = 0;
            for (int c = 0; c < n; c++)
            {
                mx += x[c] / (double)n;
                my += y[c] / (double)n;
            }

            double cov = 0, vx = 0, vy = 0;
            for (int c = 0; c < n; c++)
            {
                cov += (x[c] - mx) * (y[c] - my);
                vx += (x[c] - mx) * (x[c] - mx);
                vy += (y[c] - my) * (y[c] - my);
            }

            cov /= n1;
            double sx = Math.Sqrt(vx / n1), sy = Math.Sqrt(vy / n1), denominator = sx * sy + Eps;
            double rho = cov / denominator;
            loss += 1 - rho;
            if (dZh.IsEmpty) continue;
            for (int c = 0; c < n; c++)
            {
                double dCov = (y[c] - my) / n1;
                double dSx = sx > 0 ? (x[c] - mx) / (n1 * sx) : 0;
                double dRho = (dCov * denominator - cov * sy * dSx) / (denominator * denominator);
                dZh[i * n + c] += (float)(-scale * dRho);
            }
        }

        return loss * scale;
    }
}
