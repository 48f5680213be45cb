namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Inverted dropout: keep each element with probability 1 − p and scale it by 1/(1 − p), so inference needs no
/// rescaling. The keep mask is drawn from the caller's seeded generator and kept for Backward: dx = dy ⊙ mask/(1 − p).
/// </summary>
public static class Dropout
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<byte> keep, float p, Random rng)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        float scale = 1f / (1f - p);
        for (int i = 0; i < x.Length; i++)
        {
            keep[i] = p == 0f || rng.NextSingle() >= p ? (byte)1 : (byte)0;
            y[i] = keep[i] != 0 ? x[i] * scale : 0f;
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<byte> keep, float p, Span<float> dx)
    {
        float scale = 1f / (1f - p);
        for (int i = 0; i < dy.Length; i++) if (keep[i] != 0) dx[i] += dy[i] * scale;
    }
}
