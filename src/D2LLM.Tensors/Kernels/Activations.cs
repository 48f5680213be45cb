using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>SiLU: y = x·σ(x);  dy/dx = σ(x)·(1 + x·(1 − σ(x))).</summary>
public static class Silu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Sigmoid(x, y);
        TensorPrimitives.Multiply(y, x, y);
    }

    /// <summary>dx += dy · silu'(x).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++) dx[i] += dy[i] * Derivative(x[i]);
    }

    internal static float Derivative(float x)
    {
        float s = 1f / (1f + MathF.Exp(-x));
        return s * (1f + x * (1f - s));
    }
}
