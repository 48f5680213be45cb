using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Row-wise softmax with an optional mask (0 = excluded; its probability is 0, and a row with nothing left is all 0):
///   y_j = exp(x_j − max) / Σ_k exp(x_k − max);  Backward: dx = y ⊙ (dy − Σ dy ⊙ y).
/// Subtracting the max is what keeps it finite: exp overflows float32 above 88.7, and real checkpoints' attention
/// logits go past that (TensorPrimitives.SoftMax does not subtract it, so such a row becomes NaN).
/// </summary>
public static class Softmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, ReadOnlySpan<byte> mask = default)
    {
        for (int r = 0; r < rows; r++)
            Row(x.Slice(r * cols, cols), y.Slice(r * cols, cols), mask.IsEmpty ? mask : mask.Slice(r * cols, cols));
    }

    /// <summary>
    /// Softmax of one non-empty row with no mask, in place or into y: <see cref="Exponentials"/>, then the division by
    /// their sum; the masked <see cref="Row(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{byte})"/> is its reference.
    /// </summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(y, 1f / Exponentials(x, y), y);

    /// <summary>
    /// y = exp(x − max x) for a non-empty row, in place or into y; returns Σ y, so that the softmax is y / Σ y. One pass
    /// of 512-bit vectors with <see cref="VectorExp"/>, the last partial vector padded with −∞ (whose exponential is 0);
    /// scalar where 512-bit vectors are not accelerated. Attention at inference divides its output rows by the sum
    /// instead of the probabilities: d values per query rather than one per key.
    /// </summary>
    public static float Exponentials(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        if (!Vector512.IsHardwareAccelerated)
        {
            float total = 0f;
            for (int i = 0; i < x.Length; i++) total += y[i] = MathF.Exp(x[i] - max);
            return total;
        }

        const int width = 16;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        var m = Vector512.Create(max);
        var sum = Vector512<float>.Zero;
        int j = 0;
        for (; j + width <= x.Length; j += width)
        {
            var e = VectorExp.Exp(Vector512.LoadUnsafe(ref xs, (nuint)j) - m);
            e.StoreUnsafe(ref ys, (nuint)j);
            sum += e;
        }

        if (j < x.Length)
        {
            Span<float> tail = stackalloc float[width];
            tail.Fill(float.NegativeInfinity);
            x[j..].CopyTo(tail);
            var e = VectorExp.Exp(Vector512.Create((ReadOnlySpan<float>)tail) - m);
            sum += e;
            e.CopyTo(tail);
            tail[..(x.Length - j)].CopyTo(y[j..]);
        }

        return Vector512.Sum(sum);
    }

    /// <summary>Softmax of one row in place or into y; masked entries get 0 (the scalar reference of the row above).</summary>
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
