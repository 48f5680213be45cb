namespace D2LLM.Losses.Listwise;

/// <summary>
/// RankNet, as Rank-DistiLLM trains with it: over every ordered pair P = {(j, k) : t_j &gt; t_k} of every list
/// (ties excluded),
///   L = mean_P softplus(−(s_j − s_k)),   ∂L/∂s_j = −σ(−(s_j − s_k))/|P|,   ∂L/∂s_k = +σ(−(s_j − s_k))/|P|.
/// </summary>
public static class RankNet
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores)
    {
        shape.Check(scores, targets, dScores);
        int n = shape.Size;
        long pairs = 0;
        for (int q = 0; q < shape.Lists; q++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                    if (targets[q * n + j] > targets[q * n + k]) pairs++;
        if (pairs == 0) return 0;

        double loss = 0;
        for (int q = 0; q < shape.Lists; q++)
        {
            int o = q * n;
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < n; k++)
                {
                    if (targets[o + j] <= targets[o + k]) continue;
                    double x = -(scores[o + j] - (double)scores[o + k]);
                    loss += Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                    if (dScores.IsEmpty) continue;
                    float g = (float)(1 / (1 + Math.Exp(-x)) / pairs);
                    dScores[o + j] -= g;
                    dScores[o + k] += g;
                }
            }
        }

        return loss / pairs;
    }
}
