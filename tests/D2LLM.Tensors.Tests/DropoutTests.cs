using D2LLM.Tensors.Kernels;

namespace D2LLM.Tensors.Tests;

public class DropoutTests
{
    /// <summary>
    /// The vector path draws the scalar path's mask bit for bit (every length around 16, and from an offset, as a part
    /// of a tensor split across workers draws), keeps about 1 − p of the elements scaled by 1/(1 − p), repeats with the
    /// same seed and differs with another; Backward adds dy through the same mask.
    /// </summary>
    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0f)]
    public void VectorEqualsScalar_KeepsOneMinusP_AndBackwardDrawsTheSameMask(float p)
    {
        var rng = new Random(7);
        float scale = 1f / (1f - p);
        foreach (int n in Enumerable.Range(1, 40).Append(100_003))
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() + 0.5)).ToArray(); // never 0: y = 0 means dropped
            ulong seed = (ulong)n * 0x9E3779B97F4A7C15;
            var yv = Drop(x, p, seed, vector: true);
            Assert.Equal(Drop(x, p, seed, vector: false), yv);
            for (int i = 0; i < n; i++) Assert.True(yv[i] == 0f || yv[i] == x[i] * scale, $"{i}: {yv[i]} from {x[i]}");

            var tail = new float[n - n / 3];
            Dropout.Forward(x.AsSpan(n / 3), tail, p, seed, first: n / 3);
            Assert.Equal(yv[(n / 3)..], tail);

            var dy = Enumerable.Range(0, n).Select(i => (float)(i % 7 - 3)).ToArray();
            var dx = Enumerable.Repeat(1f, n).ToArray();
            Dropout.Backward(dy, dx, p, seed);
            for (int i = 0; i < n; i++) Assert.Equal(yv[i] != 0f ? 1f + dy[i] * scale : 1f, dx[i]);

            if (n < 100_000) continue;
            double kept = yv.Count(v => v != 0) / (double)n;
            Assert.True(Math.Abs(kept - (1 - p)) < 0.01, $"p = {p}: kept {kept:F4}");
            if (p > 0) Assert.NotEqual(yv, Drop(x, p, seed + 1, vector: true));
        }
    }

    private static float[] Drop(float[] x, float p, ulong seed, bool vector)
    {
        var y = new float[x.Length];
        Dropout.Forward(x, y, p, seed, vector: vector);
        return y;
    }
}
