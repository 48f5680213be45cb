namespace D2LLM.Losses.Listwise;

/// <summary>
/// KL divergence of the student's list distribution from the teacher's (ListNet up to a constant), batch-mean:
///   L = (1/Q) Σ_q Σ_j p^t_j (log p^t_j − log p^s_j),  p^t = softmax(t), p^s = softmax(s);   ∂L/∂s_j = (p^s_j − p^t_j)/Q.
/// </summary>
public static class ListwiseKl
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets, ListBatch shape, Span<float> dScores)
    {
        shape.Check(scores, targets, dScores);
        int n = shape.Size;
        double loss = 0;
        for (int q = 0; q < shape.Lists; q++)
        {
            var pt = Listwise.Softmax(targets.Slice(q * n, n));
            var ps = Listwise.Softmax(scores.Slice(q * n, n));
            for (int j = 0; j < n; j++)
            {
                if (pt[j] > 0) loss += pt[j] * (Math.Log(pt[j]) - Math.Log(ps[j]));
                if (!dScores.IsEmpty) dScores[q * n + j] += (float)((ps[j] - pt[j]) / shape.Lists);
            }
        }

        return loss / shape.Lists;
    }
}
