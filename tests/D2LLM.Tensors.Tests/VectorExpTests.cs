using System.Runtime.Intrinsics;
using D2LLM.Tensors.Kernels;

namespace D2LLM.Tensors.Tests;

public class VectorExpTests
{
    /// <summary>
    /// Every float32 step of 1/64 over the whole argument range, against exp in double precision: within 2 ulp of the
    /// correctly rounded result (relative 2·2⁻²³), the flush to 0 below the normal range, +∞ above it, NaN kept.
    /// </summary>
    [Fact]
    public void MatchesDoublePrecisionExp()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        var xs = new List<float>();
        for (float x = -87.33f; x <= 88.72f; x += 1f / 64) xs.Add(x);
        xs.AddRange(new[] { 0f, -0f, 1e-8f, -1e-8f, 88.7228f, -87.3365f, float.Epsilon });
        for (int i = 0; i < xs.Count; i += 16)
        {
            var chunk = new float[16];
            for (int j = 0; j < 16; j++) chunk[j] = xs[Math.Min(i + j, xs.Count - 1)];
            var e = VectorExp.Exp(Vector512.Create(chunk));
            for (int j = 0; j < 16; j++)
            {
                double exact = Math.Exp(chunk[j]);
                Assert.True(Math.Abs(e[j] - exact) <= 2 * Math.Pow(2, -23) * exact, $"exp({chunk[j]:R}) = {e[j]:R}, exact {exact:R}");
            }
        }

        var edges = VectorExp.Exp(Vector512.Create(new[]
        {
            -87.34f, -100f, -1e30f, float.NegativeInfinity, 88.73f, 1e30f, float.PositiveInfinity, float.NaN,
            -float.NaN, 0f, 1f, -1f, 10f, -10f, 50f, -50f,
        }));
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, new[] { edges[0], edges[1], edges[2], edges[3] });
        Assert.Equal(new[] { float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity }, new[] { edges[4], edges[5], edges[6] });
        Assert.True(float.IsNaN(edges[7]) && float.IsNaN(edges[8]));
        Assert.Equal(1f, edges[9]);
        Assert.Equal(MathF.E, edges[10], 6);
    }
}
