namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Row-wise log-softmax with an optional mask (masked entries get −∞ and no gradient):
///   y_j = x_j − log Σ_k exp(x_k);  Backward: dx = dy − softmax(x)·Σ dy.
/// </summary>
public static class LogSoftmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, ReadOnlySpan<byte> mask = default)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * cols, cols);
            var yr = y.Slice(r * cols, cols);
            var mr = mask.IsEmpty ? mask : mask.Slice(r * cols, cols);
            float max = float.NegativeInfinity;
            for (int j = 0; j < cols; j++) if ((mr.IsEmpty || mr[j] != 0) && xr[j] > max) max = xr[j];
            double sum = 0;
            for (int j = 0; j < cols; j++) if (mr.IsEmpty || mr[j] != 0) sum += Math.Exp(xr[j] - max);
            float lse = max + (float)Math.Log(sum);
            for (int j = 0; j < cols; j++) yr[j] = mr.IsEmpty || mr[j] != 0 ? xr[j] - lse : float.NegativeInfinity;
        }
    }

    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * cols, cols);
            var dyr = dy.Slice(r * cols, cols);
            float sum = 0f;
            for (int j = 0; j < cols; j++) if (!float.IsNegativeInfinity(yr[j])) sum += dyr[j];
            var dxr = dx.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++)
                if (!float.IsNegativeInfinity(yr[j])) dxr[j] += dyr[j] - MathF.Exp(yr[j]) * sum;
        }
    }
}
