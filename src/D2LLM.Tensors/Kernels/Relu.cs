using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>ReLU: y = max(x, 0); dy/dx = 1 where x > 0.</summary>
public static class Relu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++) if (x[i] > 0f) dx[i] += dy[i];
    }
}
