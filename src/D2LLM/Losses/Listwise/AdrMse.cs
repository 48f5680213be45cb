namespace D2LLM.Losses.Listwise;

/// <summary>
/// ADR-MSE (approximate discounted rank MSE, Rank-DistiLLM v4): with the teacher's true ranks π (1-based) and the
/// student's approximate ranks R̂ (T = 1),
///   L = mean over all (q, j) of (R̂_j − π_j)² / log2(π_j + 1),   ∂L/∂R̂_j = 2(R̂_j − π_j) / (log2(π_j + 1)·Q·n).
/// </summary>
public static class AdrMse
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores, double temperature = 1)
    {
        shape.Check(scores, targets, dScores);
        int n = shape.Size;
        double loss = 0, count = (double)shape.Lists * n;
        for (int q = 0; q < shape.Lists; q++)
        {
            var s = scores.Slice(q * n, n);
            var pi = ApproxRanks.TrueRanks(targets.Slice(q * n, n));
            var r = ApproxRanks.Compute(s, temperature);
            var dR = new double[n];
            for (int j = 0; j < n; j++)
            {
                double discount = Math.Log2(pi[j] + 1), e = r[j] - pi[j];
                loss += e * e / discount;
                dR[j] = 2 * e / (discount * count);
            }

            if (!dScores.IsEmpty) ApproxRanks.Backward(s, temperature, dR, dScores.Slice(q * n, n));
        }

        return loss / count;
    }
}
