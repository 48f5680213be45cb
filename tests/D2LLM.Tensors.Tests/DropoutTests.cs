using D2LLM.Tensors.Kernels;

namespace D2LLM.Tensors.Tests;

public class DropoutTests
{
    /// <summary>
    /// The vector path draws the scalar path's mask bit for bit (every length around 16), keeps about 1 − p of the
    /// elements, scaled by 1/(1 − p), repeats with the same seed and differs with another.
    /// </summary>
    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0f)]
    public void VectorEqualsScalar_AndKeepsOneMinusP(float p)
    {
        var rng = new Random(7);
        foreach (int n in Enumerable.Range(1, 40).Append(100_003))
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var (yv, kv) = Drop(x, p, seed: n, vector: true);
            var (ys, ks) = Drop(x, p, seed: n, vector: false);
            Assert.Equal(ks, kv);
            Assert.Equal(ys, yv);
            for (int i = 0; i < n; i++) Assert.Equal(kv[i] != 0 ? x[i] * (1f / (1f - p)) : 0f, yv[i]);
            if (n < 100_000) continue;
            double kept = kv.Count(k => k != 0) / (double)n;
            Assert.True(Math.Abs(kept - (1 - p)) < 0.01, $"p = {p}: kept {kept:F4}");
            Assert.Equal(kv, Drop(x, p, seed: n, vector: true).Keep);
            if (p > 0) Assert.NotEqual(kv, Drop(x, p, seed: n + 1, vector: true).Keep);
        }
    }

    private static (float[] Y, byte[] Keep) Drop(float[] x, float p, int seed, bool vector)
    {
        var y = new float[x.Length];
        var keep = new byte[x.Length];
        Dropout.Forward(x, y, keep, p, new Random(seed), vector);
        return (y, keep);
    }
}
