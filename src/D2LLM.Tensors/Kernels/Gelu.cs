namespace D2LLM.Tensors.Kernels;

/// <summary>
/// GELU, exact form (BERT's "gelu", PyTorch's default): y = ½x(1 + erf(x/√2));
/// dy/dx = ½(1 + erf(x/√2)) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π).
/// </summary>
public static class Gelu
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    /// <summary>y may alias x.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1 + Erf(v * InvSqrt2)));
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            dx[i] += (float)(dy[i] * (0.5 * (1 + Erf(v * InvSqrt2)) + v * InvSqrt2Pi * Math.Exp(-0.5 * v * v)));
        }
    }

    /// <summary>
    /// erf through the Chebyshev fit of erfc in Numerical Recipes (§6.2): fractional error below 1.2e-7 everywhere,
    /// under float32's resolution of the result. .NET has no Math.Erf.
    /// </summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
