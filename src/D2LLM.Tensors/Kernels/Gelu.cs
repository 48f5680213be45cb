namespace D2LLM.Tensors.Kernels;

/// <summary>
/// GELU, tanh form (PyTorch approximate='tanh'): y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
/// dy/dx = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
/// </summary>
public static class Gelu
{
    private const float C = 0.7978845608028654f; // √(2/π)
    private const float A = 0.044715f;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = 0.5f * v * (1f + MathF.Tanh(C * (v + A * v * v * v)));
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            float t = MathF.Tanh(C * (v + A * v * v * v));
            dx[i] += dy[i] * (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * C * (1f + 3f * A * v * v));
        }
    }
}
