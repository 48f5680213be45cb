using D2LLM.Tensors.Optim;

namespace D2LLM.Tensors.Tests;

public class OptimTests
{
    [Fact]
    public void AdamW_TwoSteps_MatchHandComputedValues()
    {
        var decayed = new Parameter("w", new[] { 1 });
        var plain = new Parameter("b", new[] { 1 }, weightDecay: false);
        decayed.Value[0] = 1f;
        plain.Value[0] = 1f;
        var opt = new AdamW(new[] { decayed, plain }, new AdamWOptions { Beta1 = 0.8f, Beta2 = 0.999f, Epsilon = 1e-6f, WeightDecay = 0.1f });

        decayed.Grad[0] = plain.Grad[0] = 0.5f;
        opt.Step(0.01f);
        // Step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + ε); decay multiplies by (1 − lr·λ) first.
        double u1 = 0.01 * 0.5 / (0.5 + 1e-6);
        Assert.Equal(1.0 * (1 - 0.001) - u1, decayed.Value[0], 6);
        Assert.Equal(1.0 - u1, plain.Value[0], 6);

        plain.Grad[0] = -0.25f;
        opt.Step(0.01f);
        double m = 0.8 * 0.2 * 0.5 + 0.2 * -0.25, v = 0.999 * 0.001 * 0.25 + 0.001 * 0.0625;
        double mHat = m / (1 - 0.8 * 0.8), vHat = v / (1 - 0.999 * 0.999);
        Assert.Equal(1.0 - u1 - 0.01 * mHat / (Math.Sqrt(vHat) + 1e-6), plain.Value[0], 5);
        Assert.Equal(2, opt.StepCount);
    }

    [Fact]
    public void ClipGlobalNorm_ScalesOnlyWhenAboveMax()
    {
        var a = new Parameter("a", new[] { 2 });
        var b = new Parameter("b", new[] { 1 });
        a.Grad[0] = 3f;
        a.Grad[1] = 0f;
        b.Grad[0] = 4f;
        Assert.Equal(5f, GradientClipping.ClipGlobalNorm(new[] { a, b }, 1f), 5);
        Assert.Equal(0.6f, a.Grad[0], 4);
        Assert.Equal(0.8f, b.Grad[0], 4);
        Assert.Equal(1f, GradientClipping.ClipGlobalNorm(new[] { a, b }, 10f), 4);
        Assert.Equal(0.6f, a.Grad[0], 4);
    }

    [Theory]
    [InlineData(DecayShape.Constant, 1f, 1f)]
    [InlineData(DecayShape.Linear, 0.5f, 0f)]
    [InlineData(DecayShape.Cosine, 0.5f, 0f)]
    public void Schedule_WarmsUpThenDecays(DecayShape shape, float atMiddle, float atEnd)
    {
        var s = new LearningRateSchedule(1f, warmupSteps: 4, totalSteps: 14, shape);
        Assert.Equal(0.25f, s.At(0));
        Assert.Equal(1f, s.At(3));
        Assert.Equal(1f, s.At(4));
        Assert.Equal(atMiddle, s.At(9), 5);
        Assert.Equal(atEnd, s.At(14), 5);
    }

    [Fact]
    public void Init_IsDeterministicPerSeed_AndWithinBounds()
    {
        float[] a = new float[1000], b = new float[1000], c = new float[1000];
        Init.XavierUniform(a, 30, 20, new Random(7));
        Init.XavierUniform(b, 30, 20, new Random(7));
        Init.XavierUniform(c, 30, 20, new Random(8));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, x => Assert.InRange(x, -MathF.Sqrt(6f / 50), MathF.Sqrt(6f / 50)));

        var n = new float[20000];
        Init.Normal(n, 2f, new Random(1));
        double mean = n.Average(), std = Math.Sqrt(n.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(std, 1.95, 2.05);
    }
}
