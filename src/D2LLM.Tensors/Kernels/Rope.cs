namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Rotary position embedding, rotate-half convention (Hugging Face Llama/Qwen): for a head vector x of width d,
/// h = d/2 and frequency θ^(−2i/d) at position p, with c = cos(p·f_i), s = sin(p·f_i):
///   y[i] = x[i]·c − x[i+h]·s,   y[i+h] = x[i+h]·c + x[i]·s.
/// Backward is the inverse rotation: dx[i] = dy[i]·c + dy[i+h]·s,  dx[i+h] = dy[i+h]·c − dy[i]·s.
/// </summary>
public sealed class Rope
{
    private readonly float[] _cos;
    private readonly float[] _sin;

    /// <summary>Tables for positions [0, maxPositions), computed in double precision.</summary>
    public Rope(int headDim, int maxPositions, double theta)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"rotary head dimension must be even, got {headDim}");
        HeadDim = headDim;
        MaxPositions = maxPositions;
        int half = headDim / 2;
        _cos = new float[maxPositions * half];
        _sin = new float[maxPositions * half];
        for (int i = 0; i < half; i++)
        {
            // Hugging Face computes the inverse frequency in float32; matching it keeps long positions in parity.
            float invFreq = (float)(1.0 / Math.Pow(theta, (double)(2 * i) / headDim));
            for (int p = 0; p < maxPositions; p++)
            {
                double angle = (double)((float)p * invFreq);
                _cos[p * half + i] = (float)Math.Cos(angle);
                _sin[p * half + i] = (float)Math.Sin(angle);
            }
        }
    }

    public int HeadDim { get; }
    public int MaxPositions { get; }

    /// <summary>Rotates x[t, heads, d] at positions[t] into y (may alias x).</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> positions, int heads) =>
        Rotate(x, y, positions, heads, sign: 1f, accumulate: false);

    /// <summary>dx += R(p)ᵀ·dy.</summary>
    public void Backward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<int> positions, int heads) =>
        Rotate(dy, dx, positions, heads, sign: -1f, accumulate: true);

    private void Rotate(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<int> positions, int heads, float sign, bool accumulate)
    {
        int d = HeadDim, half = d / 2;
        for (int t = 0; t < positions.Length; t++)
        {
            int p = positions[t];
            if ((uint)p >= (uint)MaxPositions) throw new ArgumentOutOfRangeException(nameof(positions), $"position {p} is beyond the rotary table ({MaxPositions})");
            var cos = _cos.AsSpan(p * half, half);
            var sin = _sin.AsSpan(p * half, half);
            for (int h = 0; h < heads; h++)
            {
                int o = (t * heads + h) * d;
                for (int i = 0; i < half; i++)
                {
                    float a = x[o + i], b = x[o + i + half], c = cos[i], s = sign * sin[i];
                    float ya = a * c - b * s, yb = b * c + a * s;
                    if (accumulate)
                    {
                        y[o + i] += ya;
                        y[o + i + half] += yb;
                    }
                    else
                    {
                        y[o + i] = ya;
                        y[o + i + half] = yb;
                    }
                }
            }
        }
    }
}
