namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Gated SiLU of the Qwen MLP: y = silu(gate) ⊙ up.
/// Backward: dgate = dy ⊙ up ⊙ silu'(gate);  dup = dy ⊙ silu(gate).
/// </summary>
public static class SwiGlu
{
    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        for (int i = 0; i < gate.Length; i++) y[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
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
