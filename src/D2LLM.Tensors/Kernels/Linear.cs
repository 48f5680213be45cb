using System.Numerics.Tensors;
using D2LLM.Tensors.Gemm;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Fully connected layer in PyTorch's layout: y[n, out] = x[n, in] · W[out, in]ᵀ + b.
/// The weight may be float32 or a frozen bf16/f16 matrix (widened block by block inside the GEMM).
/// A float32 layer with one input row or one output (a query's projection, a scoring head) is a matrix-vector
/// product: one dot product per output, y[j] = x·W[j] (or y[r] = x[r]·W[0]), where the GEMM would pack the whole
/// weight to use it once. Otherwise the GEMM adds the bias as it stores each tile (no second pass over y).
/// </summary>
public static class Linear
{
    public static void Forward<TW>(ReadOnlySpan<float> x, ReadOnlySpan<TW> w, ReadOnlySpan<float> bias, Span<float> y,
        int rows, int inFeatures, int outFeatures, GemmKernel kernel = GemmKernel.Auto) where TW : unmanaged
    {
        if (typeof(TW) != typeof(float) || (rows > 1 && outFeatures > 1))
        {
            Matmul.Multiply(kernel, false, true, rows, outFeatures, inFeatures, 1f, x, inFeatures, w, inFeatures, 0f, y, outFeatures,
                bias.IsEmpty ? default : bias[..outFeatures]);
            return;
        }

        MatrixVector(x, System.Runtime.InteropServices.MemoryMarshal.Cast<TW, float>(w), y, rows, inFeatures, outFeatures);
        if (bias.IsEmpty) return;
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * outFeatures, outFeatures);
            TensorPrimitives.Add(row, bias[..outFeatures], row);
        }
    }

    /// <summary>y[r, j] = x[r]·W[j] by dot products (TensorPrimitives: vectorised, with its own scalar fallback).</summary>
    public static void MatrixVector(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int rows, int inFeatures, int outFeatures)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * inFeatures, inFeatures);
            for (int j = 0; j < outFeatures; j++) y[r * outFeatures + j] = TensorPrimitives.Dot(xr, w.Slice(j * inFeatures, inFeatures));
        }
    }

    /// <summary>
    /// dx += dy · W;  dW += dyᵀ · x;  db += Σ_rows dy. An empty gradient span skips that gradient
    /// (frozen weights have none).
    /// </summary>
    public static void Backward<TW>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<TW> w,
        Span<float> dx, Span<float> dw, Span<float> db, int rows, int inFeatures, int outFeatures, GemmKernel kernel = GemmKernel.Auto) where TW : unmanaged
    {
        if (!dx.IsEmpty)
            Matmul.Multiply(kernel, false, false, rows, inFeatures, outFeatures, 1f, dy, outFeatures, w, inFeatures, 1f, dx, inFeatures);
        if (!dw.IsEmpty)
            Matmul.Multiply(true, false, outFeatures, inFeatures, rows, 1f, dy, outFeatures, x, inFeatures, 1f, dw, inFeatures);
        if (db.IsEmpty) return;
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(db[..outFeatures], dy.Slice(r * outFeatures, outFeatures), db[..outFeatures]);
    }
}
