using D2LLM.Losses;

namespace D2LLM.Tests;

public class LossTests
{
    // B = 2, K = 1 example shared by several tests.
    private static readonly float[] Zin = { 2, 0, 1, 3 };
    private static readonly float[] Zh = { 2, 1, 0.5f, 1.5f };
    private static readonly float[] Sh = { 0.8f, 0.3f, 0.6f, 0.9f };
    private static readonly float[] Sin = { 0.7f, 0.1f, 0.2f, 0.4f };

    [Fact]
    public void InBatch_HandComputed()
    {
        // Rows: −log(e²/(e²+e⁰)) = log(1+e⁻²) and −log(e³/(e¹+e³)) = log(1+e⁻²); sum / B² = log(1+e⁻²)/2.
        double expected = Math.Log(1 + Math.Exp(-2)) / 2;
        Assert.Equal(expected, InBatchContrastive.Compute(Zin, 2, 1f, default), 6);
    }

    [Fact]
    public void ContrastiveImitation_HandComputed()
    {
        // Weighted logits: row 0 (0.8·2, 0.7·1) = (1.6, 0.7); row 1 (0.6·0.5, 0.1·1.5) = (0.3, 0.15).
        // −log softmax[0] = log(1 + e^(x1−x0)); α/(B·K) = 1/2.
        double expected = 0.5 * (Math.Log(1 + Math.Exp(-0.9)) + Math.Log(1 + Math.Exp(-0.15)));
        Assert.Equal(expected, ContrastiveImitation.Compute(Zh, Sh, new BatchShape(2, 1), 1f, 1f, default), 5);
    }

    [Fact]
    public void Pearson_HandComputed()
    {
        // x = (1, 2, 4), y = (0.1, 0.5, 0.6): cov = 0.7/2, Sx = √(42/9/2), Sy = √(0.14/2); ρ = √3/2.
        float[] x = { 1, 2, 4 }, y = { 0.1f, 0.5f, 0.6f };
        double rho = 0.35 / (Math.Sqrt(42.0 / 18) * Math.Sqrt(0.07) + 1e-8);
        Assert.Equal(Math.Sqrt(3) / 2, rho, 5);
        Assert.Equal(1 - rho, PearsonRankImitation.Compute(x, y, new BatchShape(1, 2), 1f, default), 5);
    }

    [Fact]
    public void Bpr_HandComputed()
    {
        // (i=0, k=1, m=1): w = 0.3 − 0.1, d = 1 − 0;  (i=1, k=1, m=0): w = 0.9 − 0.2, d = 1.5 − 1;  γ/(B·K·(B−1)) = 1/2.
        static double L(double d) => -Math.Log(1 / (1 + Math.Exp(-d)) + 1e-8);
        double expected = 0.5 * (0.2 * L(1) + 0.7 * L(0.5));
        Assert.Equal(expected, BprRankImitation.Compute(Zh, Zin, Sh, Sin, new BatchShape(2, 1), 1f, 1f, default, default), 5);
    }

    [Fact]
    public void FeatureImitation_HandComputed()
    {
        // g₀ = (1, 0), g₁ = (1, 1)/√2: student cosine 1/√2 against the teacher's 0.5 on both off-diagonals.
        float[] f = { 1, 0, 1, 1 }, teacher = { 1, 0.5f, 0.5f, 1 };
        double expected = 2 * Math.Pow(1 / Math.Sqrt(2) - 0.5, 2) / 4;
        Assert.Equal(expected, FeatureImitation.Compute(f, teacher, new BatchShape(1, 1), 2, 1f, default), 5);
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        var rng = new Random(3);
        var shape = new BatchShape(3, 4);
        int b = shape.B, n = shape.Candidates, width = 5;
        float[] zin = Rand(rng, b * b, 2), zh = Rand(rng, b * n, 2), sh = Prob(rng, b * n), sin = Prob(rng, b * b);
        float[] feat = Rand(rng, b * n * width, 1), tc = Rand(rng, b * n * n, 1);

        Check("in-batch", zin, (z, d) => InBatchContrastive.Compute(z, b, 0.7f, d));
        Check("CI", zh, (z, d) => ContrastiveImitation.Compute(z, sh, shape, 0.5f, 1f, d));
        Check("Pearson", zh, (z, d) => PearsonRankImitation.Compute(z, sh, shape, 1f, d));
        Check("BPR Zh", zh, (z, d) => BprRankImitation.Compute(z, zin, sh, sin, shape, 1f, 1f, d, default));
        Check("BPR Zin", zin, (z, d) => BprRankImitation.Compute(zh, z, sh, sin, shape, 1f, 1f, default, d));
        Check("FI", feat, (z, d) => FeatureImitation.Compute(z, tc, shape, width, 1f, d));
    }

    internal delegate double Loss(float[] input, Span<float> grad);

    internal static void Check(string name, float[] input, Loss loss)
    {
        var analytic = new float[input.Length];
        loss(input, analytic);
        double diff = 0, norm = 0;
        for (int i = 0; i < input.Length; i++)
        {
            float keep = input[i];
            const float h = 1e-3f;
            input[i] = keep + h;
            double up = loss(input, default);
            input[i] = keep - h;
            double down = loss(input, default);
            input[i] = keep;
            double numeric = (up - down) / (2 * h);
            diff += (analytic[i] - numeric) * (analytic[i] - numeric);
            norm += numeric * numeric;
        }

        Assert.True(norm > 0, name);
        Assert.True(Math.Sqrt(diff / norm) <= 1e-4, $"{name}: relative error {Math.Sqrt(diff / norm):E2}");
    }

    internal static float[] Rand(Random rng, int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    private static float[] Prob(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
}
