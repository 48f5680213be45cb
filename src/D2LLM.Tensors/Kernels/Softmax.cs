using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Row-wise softmax with an optional mask (0 = excluded; its probability is 0, and a row with nothing left is all 0):
///   y_j = exp(x_j − max) / Σ_k exp(x_k − max);  Backward: dx = y ⊙ (dy − Σ dy ⊙ y).
/// Subtracting the max is what keeps it finite: exp overflows float32 above 88.7, and real checkpoints' attention
/// logits go past that (TensorPrimitives.SoftMax does not subtract it, so such a row becomes NaN). Attention's own
/// softmax is <see cref="KeyMajorSoftmax"/>; this row is its reference in the tests.
/// </summary>
public static class Softmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, ReadOnlySpan<byte> mask = default)
    {
        for (int r = 0; r < rows; r++)
            Row(x.Slice(r * cols, cols), y.Slice(r * cols, cols), mask.IsEmpty ? mask : mask.Slice(r * cols, cols));
    }

    /// <summary>Softmax of one row in place or into y; masked entries get 0.</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> mask)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < x.Length; j++) if ((mask.IsEmpty || mask[j] != 0) && x[j] > max) max = x[j];
        if (float.IsNegativeInfinity(max))
        {
            y.Clear();
            return;
        }

        float sum = 0f;
        for (int j = 0; j < x.Length; j++)
        {
            float e = mask.IsEmpty || mask[j] != 0 ? MathF.Exp(x[j] - max) : 0f;
            y[j] = e;
            sum += e;
        }

        float inv = 1f / sum;
        for (int j = 0; j < y.Length; j++) y[j] *= inv;
    }

    /// <summary>dx += y ⊙ (dy − Σ dy ⊙ y), per row.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * cols, cols);
            var dyr = dy.Slice(r * cols, cols);
            float dot = TensorPrimitives.Dot(yr, dyr);
            var dxr = dx.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++) dxr[j] += yr[j] * (dyr[j] - dot);
        }
    }
}
