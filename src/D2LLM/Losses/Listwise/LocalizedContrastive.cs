namespace D2LLM.Losses.Listwise;

/// <summary>
/// Localized Contrastive Estimation (InfoNCE over a list): the teacher's top passage j* = argmax t (first on ties)
/// against the rest,  L = (1/Q) Σ_q −log softmax(s)_{j*},   ∂L/∂s_j = (p^s_j − [j = j*])/Q.
/// </summary>
public static class LocalizedContrastive
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores)
    {
        shape.Check(scores, targets, dScores);
        int n = shape.Size;
        double loss = 0;
        for (int q = 0; q < shape.Lists; q++)
        {
            var t = targets.Slice(q * n, n);
            int best = 0;
            for (int j = 1; j < n; j++)
                if (t[j] > t[best]) best = j;
            var ps = Listwise.Softmax(scores.Slice(q * n, n));
            loss -= Math.Log(ps[best]);
            if (dScores.IsEmpty) continue;
            for (int j = 0; j < n; j++) dScores[q * n + j] += (float)((ps[j] - (j == best ? 1 : 0)) / shape.Lists);
        }

        return loss / shape.Lists;
    }
}
