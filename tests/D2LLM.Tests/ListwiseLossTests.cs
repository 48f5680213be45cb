using D2LLM.Losses.Listwise;

namespace D2LLM.Tests;

public class ListwiseLossTests
{
    // One list of three: student scores s, teacher targets t (passage 0 best, then 2, then 1).
    private static readonly float[] S = { 1, 2, 0 };
    private static readonly float[] T = { 3, 1, 2 };
    private static readonly ListBatch One = new(1, 3);

    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void RankNet_HandComputed_TiesExcluded()
    {
        // Pairs with t_j > t_k: (0,1), (0,2), (2,1): softplus(−(s_j − s_k)) = softplus(1), softplus(−1), softplus(2).
        double expected = (Softplus(1) + Softplus(-1) + Softplus(2)) / 3;
        Assert.Equal(expected, RankNet.Compute(S, T, One, default), 6);
        // A tied pair adds nothing: targets (1, 1, 0) leave the pairs (0,2) and (1,2).
        Assert.Equal((Softplus(-1) + Softplus(-2)) / 2, RankNet.Compute(S, new float[] { 1, 1, 0 }, One, default), 6);
    }

    [Fact]
    public void Kl_HandComputed()
    {
        double zt = Math.Exp(3) + Math.Exp(1) + Math.Exp(2), zs = Math.Exp(1) + Math.Exp(2) + Math.Exp(0);
        double[] pt = { Math.Exp(3) / zt, Math.Exp(1) / zt, Math.Exp(2) / zt }, ps = { Math.Exp(1) / zs, Math.Exp(2) / zs, 1 / zs };
        double expected = Enumerable.Range(0, 3).Sum(j => pt[j] * Math.Log(pt[j] / ps[j]));
        Assert.Equal(expected, ListwiseKl.Compute(S, T, One, default), 6);
        Assert.Equal(0, ListwiseKl.Compute(T, T, One, default), 9);
    }

    [Fact]
    public void Lce_HandComputed()
    {
        // The teacher's top passage is 0 (score 1): −log(e¹ / (e¹ + e² + e⁰)).
        Assert.Equal(-Math.Log(Math.E / (Math.E + Math.Exp(2) + 1)), LocalizedContrastive.Compute(S, T, One, default), 6);
    }

    [Fact]
    public void ApproxNdcg_HandComputed()
    {
        // R̂_0 = 1 + σ(1) + σ(−1) = 2, R̂_1 = 1 + σ(−1) + σ(−2), R̂_2 = 1 + σ(1) + σ(2). Gains (unscaled) = t.
        double r0 = 2, r1 = 1 + Sigmoid(-1) + Sigmoid(-2), r2 = 1 + Sigmoid(1) + Sigmoid(2);
        double dcg = 3 / Math.Log2(1 + r0) + 1 / Math.Log2(1 + r1) + 2 / Math.Log2(1 + r2);
        double idcg = 3 / Math.Log2(2) + 2 / Math.Log2(3) + 1 / Math.Log2(4);
        Assert.Equal(1 - dcg / idcg, ApproxNdcg.Compute(S, T, One, default, scaleGains: false), 6);
        // Scaled gains 2^t − 1 = (7, 1, 3).
        double dcgScaled = 7 / Math.Log2(1 + r0) + 1 / Math.Log2(1 + r1) + 3 / Math.Log2(1 + r2);
        double idcgScaled = 7 / Math.Log2(2) + 3 / Math.Log2(3) + 1 / Math.Log2(4);
        Assert.Equal(1 - dcgScaled / idcgScaled, ApproxNdcg.Compute(S, T, One, default), 6);
        Assert.Equal(0, ApproxNdcg.Compute(S, new float[] { 0, -1, 0 }, One, default)); // IDCG 0: no contribution
    }

    [Fact]
    public void AdrMse_HandComputed()
    {
        // True ranks π = (1, 3, 2); approximate ranks as above.
        double r0 = 2, r1 = 1 + Sigmoid(-1) + Sigmoid(-2), r2 = 1 + Sigmoid(1) + Sigmoid(2);
        double expected = ((r0 - 1) * (r0 - 1) / Math.Log2(2) + (r1 - 3) * (r1 - 3) / Math.Log2(4) + (r2 - 2) * (r2 - 2) / Math.Log2(3)) / 3;
        Assert.Equal(expected, AdrMse.Compute(S, T, One, default), 6);
    }

    [Theory]
    [InlineData(ListwiseLoss.RankNet)]
    [InlineData(ListwiseLoss.KlDivergence)]
    [InlineData(ListwiseLoss.ApproxNdcg)]
    [InlineData(ListwiseLoss.AdrMse)]
    [InlineData(ListwiseLoss.Lce)]
    public void Gradients_MatchFiniteDifferences(ListwiseLoss loss)
    {
        var rng = new Random(11);
        var shape = new ListBatch(3, 6);
        var scores = LossTests.Rand(rng, shape.Length, 2);
        // Rank targets (depth − rank + 1) as the distillation uses them; distinct within each list.
        var targets = Enumerable.Range(0, shape.Lists).SelectMany(_ => Enumerable.Range(1, shape.Size).OrderBy(_ => rng.Next()).Select(x => (float)x)).ToArray();
        if (loss == ListwiseLoss.ApproxNdcg)
            LossTests.Check(loss.ToString(), scores, (s, d) => ApproxNdcg.Compute(s, targets, shape, d, scaleGains: false));
        else
            LossTests.Check(loss.ToString(), scores, (s, d) => Listwise.Compute(loss, s, targets, shape, d));
    }
}
