using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Gated SiLU of the Qwen MLP: y = silu(gate) ⊙ up.
/// Backward: dgate = dy ⊙ up ⊙ silu'(gate);  dup = dy ⊙ silu(gate).
/// </summary>
public static class SwiGlu
{
    /// <summary>y may alias gate (inference overwrites the gate buffer).</summary>
    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        const int chunk = 4096;
        Span<float> s = stackalloc float[chunk];
        for (int i = 0; i < gate.Length; i += chunk)
        {
            int n = Math.Min(chunk, gate.Length - i);
            var g = gate.Slice(i, n);
            TensorPrimitives.Sigmoid(g, s[..n]);
            TensorPrimitives.Multiply(s[..n], g, s[..n]);
            TensorPrimitives.Multiply(s[..n], up.Slice(i, n), y.Slice(i, n));
        }
    }

    public static void Backward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> dy,
        Span<float> dgate, Span<float> dup)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            if (!dgate.IsEmpty) dgate[i] += dy[i] * up[i] * Silu.Derivative(g);
            if (!dup.IsEmpty) dup[i] += dy[i] * g / (1f + MathF.Exp(-g));
        }
    }
}
