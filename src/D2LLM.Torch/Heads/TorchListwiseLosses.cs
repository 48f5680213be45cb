using D2LLM.Losses.Listwise;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace D2LLM.Torch.Heads;

/// <summary>
/// The listwise losses of D2LLM.Losses.Listwise as torch operations on scores [lists, n] (formulas in those classes'
/// comments); what depends on the targets alone (RankNet's pairs, the teacher's distribution, gains, true ranks) is
/// computed on the host.
/// </summary>
internal static class TorchListwiseLosses
{
    public static Tensor Compute(ListwiseLoss loss, Tensor scores, float[] targets, ListBatch shape) => loss switch
    {
        ListwiseLoss.RankNet => RankNet(scores, targets, shape),
        ListwiseLoss.KlDivergence => Kl(scores, targets, shape),
        ListwiseLoss.ApproxNdcg => ApproxNdcg(scores, targets, shape),
        ListwiseLoss.AdrMse => AdrMse(scores, targets, shape),
        _ => Lce(scores, targets, shape),
    };

    /// <summary>mean over pairs t_j &gt; t_k of softplus(s_k − s_j).</summary>
    private static Tensor RankNet(Tensor s, float[] t, ListBatch shape)
    {
        int n = shape.Size;
        var ordered = new float[shape.Lists * n * n];
        for (int q = 0; q < shape.Lists; q++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) ordered[(q * n + j) * n + k] = t[q * n + j] > t[q * n + k] ? 1 : 0;
        double pairs = ordered.Sum();
        if (pairs == 0) return s.sum().mul(TorchScalars.Of(0));
        var x = Differences(s);
        return nn.functional.softplus(x).mul(Host(ordered, s, shape.Lists, n, n)).sum().mul(TorchScalars.Of(1 / pairs));
    }

    /// <summary>(1/Q) Σ p^t (log p^t − log softmax(s)).</summary>
    private static Tensor Kl(Tensor s, float[] t, ListBatch shape)
    {
        int n = shape.Size;
        var pt = new float[t.Length];
        double entropy = 0;
        for (int q = 0; q < shape.Lists; q++)
        {
            var p = Listwise.Softmax(t.AsSpan(q * n, n));
            for (int j = 0; j < n; j++)
            {
                pt[q * n + j] = (float)p[j];
                if (p[j] > 0) entropy += p[j] * Math.Log(p[j]);
            }
        }

        var cross = nn.functional.log_softmax(s, 1).mul(Host(pt, s, shape.Lists, n)).sum();
        return cross.neg().add(TorchScalars.Of(entropy)).mul(TorchScalars.Of(1.0 / shape.Lists));
    }

    /// <summary>(1/Q) Σ −log softmax(s)[j*], j* the first of the teacher's top targets.</summary>
    private static Tensor Lce(Tensor s, float[] t, ListBatch shape)
    {
        int n = shape.Size;
        var best = new long[shape.Lists];
        for (int q = 0; q < shape.Lists; q++)
            for (int j = 1; j < n; j++)
                if (t[q * n + j] > t[q * n + (int)best[q]]) best[q] = j;
        var picked = nn.functional.log_softmax(s, 1).gather(1, tensor(best, [shape.Lists, 1], device: s.device));
        return picked.sum().mul(TorchScalars.Of(-1.0 / shape.Lists));
    }

    /// <summary>(1/Q) Σ (1 − DCG/IDCG), DCG over approximate ranks, gains 2^t − 1; a list with IDCG 0 adds 0.</summary>
    private static Tensor ApproxNdcg(Tensor s, float[] t, ListBatch shape)
    {
        int n = shape.Size;
        var weights = new float[t.Length];
        var live = new float[shape.Lists];
        for (int q = 0; q < shape.Lists; q++)
        {
            var gains = Enumerable.Range(0, n).Select(j => Math.Pow(2, Math.Max(t[q * n + j], 0)) - 1).ToArray();
            double idcg = gains.OrderDescending().Select((g, i) => g / Math.Log2(2 + i)).Sum();
            if (idcg <= 0) continue;
            live[q] = 1;
            for (int j = 0; j < n; j++) weights[q * n + j] = (float)(gains[j] / idcg);
        }

        // DCG/IDCG = Σ_j (g_j/IDCG) · ln 2 / ln(1 + R̂_j)
        var dcg = Host(weights, s, shape.Lists, n).mul(TorchScalars.Of(Math.Log(2))).div(ApproximateRanks(s).log1p()).sum();
        return dcg.neg().add(TorchScalars.Of(live.Sum())).mul(TorchScalars.Of(1.0 / shape.Lists));
    }

    /// <summary>mean over (q, j) of (R̂_j − π_j)² / log2(π_j + 1), π the teacher's 1-based ranks.</summary>
    private static Tensor AdrMse(Tensor s, float[] t, ListBatch shape)
    {
        int n = shape.Size;
        var ranks = new float[t.Length];
        var discounts = new float[t.Length];
        for (int q = 0; q < shape.Lists; q++)
        {
            var pi = ApproxRanks.TrueRanks(t.AsSpan(q * n, n));
            for (int j = 0; j < n; j++) (ranks[q * n + j], discounts[q * n + j]) = (pi[j], (float)(1 / Math.Log2(pi[j] + 1)));
        }

        var error = ApproximateRanks(s).sub(Host(ranks, s, shape.Lists, n));
        return error.mul(error).mul(Host(discounts, s, shape.Lists, n)).sum().mul(TorchScalars.Of(1.0 / shape.Length));
    }

    /// <summary>R̂_j = 1 + Σ_{k≠j} σ(s_k − s_j) (temperature 1): the sum over all k less σ(0) = ½ for k = j.</summary>
    private static Tensor ApproximateRanks(Tensor s) => Differences(s).sigmoid().sum(2).add(TorchScalars.Of(0.5));

    /// <summary>x[q, j, k] = s[q, k] − s[q, j].</summary>
    private static Tensor Differences(Tensor s) => s.unsqueeze(1).sub(s.unsqueeze(2));

    private static Tensor Host(float[] values, Tensor like, params long[] dims) => tensor(values, dims, device: like.device);
}
