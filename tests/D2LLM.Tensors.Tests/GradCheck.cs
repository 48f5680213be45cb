namespace D2LLM.Tensors.Tests;

/// <summary>
/// Central finite differences of a float64 reference loss L(x) = Σ r ⊙ f(x), compared with a float32 analytic
/// gradient by norm-wise relative error.
/// </summary>
internal static class GradCheck
{
    public const double Tolerance = 1e-4;

    public static double[] Numeric(Func<double[], double> loss, double[] x, double h = 1e-5)
    {
        var grad = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h;
            double up = loss(x);
            x[i] = keep - h;
            double down = loss(x);
            x[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }

        return grad;
    }

    public static void AssertClose(double[] numeric, ReadOnlySpan<float> analytic, string what, double tolerance = Tolerance)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < numeric.Length; i++)
        {
            diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            norm += numeric[i] * numeric[i];
        }

        double relative = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-12);
        Assert.True(relative <= tolerance, $"{what}: relative error {relative:E3} > {tolerance:E0}");
        Assert.True(norm > 0, $"{what}: the numeric gradient is zero, the check proves nothing");
    }

    public static void AssertForward(double[] expected, ReadOnlySpan<float> actual, string what, double tolerance = 1e-5)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    public static double Dot(double[] r, double[] y)
    {
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += r[i] * y[i];
        return s;
    }

    public static double[] Random(Random rng, int n, double scale = 1)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    public static float[] F(double[] x) => x.Select(v => (float)v).ToArray();

    /// <summary>The float32 inputs rounded back to double, so reference and kernel see the same values.</summary>
    public static double[] D(float[] x) => x.Select(v => (double)v).ToArray();
}
