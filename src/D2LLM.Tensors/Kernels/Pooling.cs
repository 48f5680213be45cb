namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Pooling of token states x[T, D] into one vector per sequence (tokens [starts[b], starts[b+1])), over the tokens
/// whose mask is non-zero (all when the mask is empty).
///   mean: y_b = (1/n_b) Σ_t x_t, Backward dx_t += dy_b / n_b;   last: y_b = x_last(b), Backward dx_last += dy_b.
/// </summary>
public static class Pooling
{
    public static void MeanForward(ReadOnlySpan<float> x, ReadOnlySpan<int> starts, Span<float> y, int dim, ReadOnlySpan<byte> mask = default)
    {
        for (int b = 0; b + 1 < starts.Length; b++)
        {
            var yb = y.Slice(b * dim, dim);
            yb.Clear();
            int count = 0;
            for (int t = starts[b]; t < starts[b + 1]; t++)
            {
                if (!mask.IsEmpty && mask[t] == 0) continue;
                System.Numerics.Tensors.TensorPrimitives.Add(yb, x.Slice(t * dim, dim), yb);
                count++;
            }

            if (count > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(yb, 1f / count, yb);
        }
    }

    public static void MeanBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> starts, Span<float> dx, int dim, ReadOnlySpan<byte> mask = default)
    {
        for (int b = 0; b + 1 < starts.Length; b++)
        {
            int count = 0;
            for (int t = starts[b]; t < starts[b + 1]; t++) if (mask.IsEmpty || mask[t] != 0) count++;
            if (count == 0) continue;
            var dyb = dy.Slice(b * dim, dim);
            for (int t = starts[b]; t < starts[b + 1]; t++)
            {
                if (!mask.IsEmpty && mask[t] == 0) continue;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dyb, 1f / count, dx.Slice(t * dim, dim), dx.Slice(t * dim, dim));
            }
        }
    }

    public static void LastForward(ReadOnlySpan<float> x, ReadOnlySpan<int> starts, Span<float> y, int dim, ReadOnlySpan<byte> mask = default)
    {
        for (int b = 0; b + 1 < starts.Length; b++)
        {
            int t = LastToken(starts, b, mask);
            if (t < 0) y.Slice(b * dim, dim).Clear();
            else x.Slice(t * dim, dim).CopyTo(y.Slice(b * dim, dim));
        }
    }

    public static void LastBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> starts, Span<float> dx, int dim, ReadOnlySpan<byte> mask = default)
    {
        for (int b = 0; b + 1 < starts.Length; b++)
        {
            int t = LastToken(starts, b, mask);
            if (t >= 0) System.Numerics.Tensors.TensorPrimitives.Add(dx.Slice(t * dim, dim), dy.Slice(b * dim, dim), dx.Slice(t * dim, dim));
        }
    }

    /// <summary>Index of the last unmasked token of sequence b, or −1 when it has none.</summary>
    public static int LastToken(ReadOnlySpan<int> starts, int b, ReadOnlySpan<byte> mask)
    {
        for (int t = starts[b + 1] - 1; t >= starts[b]; t--) if (mask.IsEmpty || mask[t] != 0) return t;
        return -1;
    }
}
