using System.Runtime.CompilerServices;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// Copies blocks of the operands into the sliver layouts the micro-kernels stream through, zero-padding
/// partial slivers. B is widened from its storage dtype here, one block at a time, so a bf16 or f16 weight
/// matrix is never materialised whole as float32.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>dst[s][p][r] = op(A)[i0 + s·mr + r, p0 + p] for the mc × kc block; slivers of mr rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, int lda, bool transA, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int s = 0; s < mc; s += mr)
        {
            int rows = Math.Min(mr, mc - s);
            float* d = dst + (long)s * kc;
            if (!transA)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(i0 + s + r) * lda + p0;
                    for (int p = 0; p < kc; p++) d[p * mr + r] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + s;
                    for (int r = 0; r < rows; r++) d[p * mr + r] = src[r];
                }
            }

            for (int p = 0; rows < mr && p < kc; p++)
                for (int r = rows; r < mr; r++) d[p * mr + r] = 0f;
        }
    }

    /// <summary>dst[s][p][j] = op(B)[p0 + p, j0 + s·nr + j] for the kc × nc block; slivers of nr columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<TB>(TB* b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* dst)
        where TB : unmanaged
    {
        for (int s = 0; s < nc; s += nr)
        {
            int cols = Math.Min(nr, nc - s);
            float* d = dst + (long)s * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    Widening.ToSingle(b + (long)(p0 + p) * ldb + j0 + s, d + p * nr, cols);
                    for (int j = cols; j < nr; j++) d[p * nr + j] = 0f;
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    TB* src = b + (long)(j0 + s + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) d[p * nr + j] = Widening.ToSingle(src[p]);
                }

                for (int p = 0; cols < nr && p < kc; p++)
                    for (int j = cols; j < nr; j++) d[p * nr + j] = 0f;
            }
        }
    }
}
