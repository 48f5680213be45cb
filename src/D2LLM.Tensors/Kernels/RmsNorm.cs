using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Root-mean-square norm per row (Qwen's): r = 1/√(mean(x²) + ε);  y = w ⊙ (x·r).
/// Backward, with x̂ = x·r and g = dy ⊙ w:  dx = r·(g − x̂·mean(g ⊙ x̂));  dw = Σ_rows dy ⊙ x̂.
/// </summary>
public static class RmsNorm
{
    /// <summary>Normalises each row; rstd receives r per row for Backward (empty when no backward pass follows).</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Span<float> rstd,
        int rows, int dim, float eps)
    {
        for (int i = 0; i < rows; i++)
        {
            var xi = x.Slice(i * dim, dim);
            var yi = y.Slice(i * dim, dim);
            float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xi) / dim + eps);
            if (!rstd.IsEmpty) rstd[i] = r;
            TensorPrimitives.Multiply(xi, r, yi);
            TensorPrimitives.Multiply(yi, w[..dim], yi);
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> w,
        ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dw, int rows, int dim)
    {
        Span<float> xhat = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        Span<float> g = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        for (int i = 0; i < rows; i++)
        {
            var dyi = dy.Slice(i * dim, dim);
            float r = rstd[i];
            TensorPrimitives.Multiply(x.Slice(i * dim, dim), r, xhat);
            if (!dw.IsEmpty) TensorPrimitives.FusedMultiplyAdd(dyi, xhat, dw[..dim], dw[..dim]);
            if (dx.IsEmpty) continue;
            TensorPrimitives.Multiply(dyi, w[..dim], g);
            float mean = TensorPrimitives.Dot(g, xhat) / dim;
            var dxi = dx.Slice(i * dim, dim);
            for (int j = 0; j < dim; j++) dxi[j] += r * (g[j] - xhat[j] * mean);
        }
    }
}
