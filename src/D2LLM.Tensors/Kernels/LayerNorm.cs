using System.Numerics.Tensors;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Layer norm per row: μ = mean(x), r = 1/√(var(x) + ε), x̂ = (x − μ)·r, y = w ⊙ x̂ + b.
/// Backward with g = dy ⊙ w:  dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂));  dw = Σ dy ⊙ x̂;  db = Σ dy.
/// </summary>
public static class LayerNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> rstd, int rows, int dim, float eps)
    {
        for (int i = 0; i < rows; i++)
        {
            var xi = x.Slice(i * dim, dim);
            var yi = y.Slice(i * dim, dim);
            float mu = TensorPrimitives.Sum(xi) / dim;
            TensorPrimitives.Subtract(xi, mu, yi);
            float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(yi) / dim + eps);
            if (!mean.IsEmpty) mean[i] = mu;
            if (!rstd.IsEmpty) rstd[i] = r;
            TensorPrimitives.Multiply(yi, r, yi);
            TensorPrimitives.Multiply(yi, w[..dim], yi);
            if (!b.IsEmpty) TensorPrimitives.Add(yi, b[..dim], yi);
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> w,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dw, Span<float> db, int rows, int dim)
    {
        Span<float> xhat = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        Span<float> g = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        for (int i = 0; i < rows; i++)
        {
            var dyi = dy.Slice(i * dim, dim);
            float r = rstd[i];
            TensorPrimitives.Subtract(x.Slice(i * dim, dim), mean[i], xhat);
            TensorPrimitives.Multiply(xhat, r, xhat);
            if (!dw.IsEmpty) TensorPrimitives.FusedMultiplyAdd(dyi, xhat, dw[..dim], dw[..dim]);
            if (!db.IsEmpty) TensorPrimitives.Add(db[..dim], dyi, db[..dim]);
            if (dx.IsEmpty) continue;
            TensorPrimitives.Multiply(dyi, w[..dim], g);
            float meanG = TensorPrimitives.Sum(g) / dim;
            float meanGx = TensorPrimitives.Dot(g, xhat) / dim;
            var dxi = dx.Slice(i * dim, dim);
            for (int j = 0; j < dim; j++) dxi[j] += r * (g[j] - meanG - xhat[j] * meanGx);
        }
    }
}
