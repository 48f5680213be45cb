using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// Copies blocks of the operands into the sliver layouts the micro-kernels stream through, zero-padding
/// partial slivers. B is widened from its storage dtype here, one block at a time, so a bf16 or f16 weight
/// matrix is never materialised whole as float32.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Rows of a transposed B widened to float32 before their transpose (bf16 and f16 weights).</summary>
    [ThreadStatic] private static float[]? t_rows;

    /// <summary>
    /// dst[s][p][r] = op(A)[i0 + s·mr + r, p0 + p] for the mc × kc block; slivers of mr rows. A row-major A is a
    /// transpose in memory, done in AVX registers as for B unless <paramref name="vector"/> is false (the scalar
    /// reference the tests compare with): scalar stores at a stride of mr cost more than the products for small N.
    /// A transposed A is a copy of mr contiguous values per k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, int lda, bool transA, int i0, int mc, int p0, int kc, int mr, float* dst, bool vector = true)
    {
        for (int s = 0; s < mc; s += mr)
        {
            int rows = Math.Min(mr, mc - s);
            float* d = dst + (long)s * kc;
            if (!transA)
            {
                int done = vector && Avx.IsSupported ? TransposeRowGroups(a, lda, p0, kc, i0 + s, rows, mr, d) : 0;
                for (int r = done; r < rows; r++)
                {
                    float* src = a + (long)(i0 + s + r) * lda + p0;
                    for (int p = 0; p < kc; p++) d[p * mr + r] = src[p];
                }
            }
            else
            {
                // A stored transposed (attention's Pᵀ, a weight gradient's dyᵀ): each k's rows are contiguous, one 12-float
                // copy per k for the AVX-512 kernel's slivers (a call to memmove per 48 bytes cost more than the copy).
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + s, to = d + p * mr;
                    if (vector && rows == 12 && Avx.IsSupported)
                    {
                        Avx.Store(to, Avx.LoadVector256(src));
                        Sse.Store(to + 8, Sse.LoadVector128(src + 8));
                    }
                    else
                    {
                        for (int r = 0; r < rows; r++) to[r] = src[r];
                    }
                }
            }

            for (int p = 0; rows < mr && p < kc; p++)
                for (int r = rows; r < mr; r++) d[p * mr + r] = 0f;
        }
    }

    /// <summary>
    /// dst[s][p][j] = op(B)[p0 + p, j0 + s·nr + j] for the kc × nc block; slivers of nr columns. A transposed B
    /// (every Linear layer's weight) is a transpose in memory: 8 × 8 blocks in AVX registers unless
    /// <paramref name="vector"/> is false (the scalar reference the tests compare with).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<TB>(TB* b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* dst,
        bool vector = true)
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
                int done = vector && Avx.IsSupported && nr % 8 == 0 ? TransposeRowGroups(b, ldb, p0, kc, j0 + s, cols, nr, d) : 0;
                for (int j = done; j < cols; j++)
                {
                    TB* src = b + (long)(j0 + s + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) d[p * nr + j] = Widening.ToSingle(src[p]);
                }

                for (int p = 0; cols < nr && p < kc; p++)
                    for (int j = cols; j < nr; j++) d[p * nr + j] = 0f;
            }
        }
    }

    /// <summary>
    /// d[p·nr + j] = B[row0 + j, p0 + p] for whole groups of 8 rows j &lt; cols, then one group of 4 if 4 are left
    /// (the last third of a 12-row sliver of A); returns the rows done. Each group is widened to float32 first when B
    /// is stored narrower; the last kc mod 8 columns go element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int TransposeRowGroups<TB>(TB* b, int ldb, int p0, int kc, int row0, int cols, int nr, float* d)
        where TB : unmanaged
    {
        bool narrow = typeof(TB) != typeof(float);
        if (narrow && (t_rows is null || t_rows.Length < 8 * kc)) t_rows = GC.AllocateUninitializedArray<float>(8 * GemmDriver.KC, pinned: true);
        fixed (float* widened = t_rows)
        {
            int j = 0;
            for (; j + 8 <= cols; j += 8)
            {
                float* rows = (float*)(b + (long)(row0 + j) * ldb + p0);
                long stride = ldb;
                if (narrow)
                {
                    for (int r = 0; r < 8; r++) Widening.ToSingle(b + (long)(row0 + j + r) * ldb + p0, widened + r * kc, kc);
                    rows = widened;
                    stride = kc;
                }

                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(rows + p, stride, d + (long)p * nr + j, nr);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) d[(long)p * nr + j + r] = rows[r * stride + p];
            }

            if (!narrow && j + 4 <= cols)
            {
                float* rows = (float*)(b + (long)(row0 + j) * ldb + p0);
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose4x8(rows + p, ldb, d + (long)p * nr + j, nr);
                for (; p < kc; p++)
                    for (int r = 0; r < 4; r++) d[(long)p * nr + j + r] = rows[(long)r * ldb + p];
                j += 4;
            }

            return j;
        }
    }

    /// <summary>
    /// dst[i·ldd + r] = src[r·stride + i] for 4 rows of 8: the first two stages of <see cref="Transpose8x8"/> leave
    /// column i in the 128-bit half i / 4 of vector i mod 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* src, long stride, float* dst, long ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + stride);
        var r2 = Avx.LoadVector256(src + 2 * stride);
        var r3 = Avx.LoadVector256(src + 3 * stride);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        Sse.Store(dst, s0.GetLower());
        Sse.Store(dst + ldd, s1.GetLower());
        Sse.Store(dst + 2 * ldd, s2.GetLower());
        Sse.Store(dst + 3 * ldd, s3.GetLower());
        Sse.Store(dst + 4 * ldd, s0.GetUpper());
        Sse.Store(dst + 5 * ldd, s1.GetUpper());
        Sse.Store(dst + 6 * ldd, s2.GetUpper());
        Sse.Store(dst + 7 * ldd, s3.GetUpper());
    }

    /// <summary>
    /// dst[i·ldd + r] = src[r·stride + i] for an 8 × 8 block: pairs of rows interleaved (unpack), then pairs of
    /// pairs (shuffle), then the 128-bit halves exchanged (permute), the classic three-stage AVX transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long stride, float* dst, long ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + stride);
        var r2 = Avx.LoadVector256(src + 2 * stride);
        var r3 = Avx.LoadVector256(src + 3 * stride);
        var r4 = Avx.LoadVector256(src + 4 * stride);
        var r5 = Avx.LoadVector256(src + 5 * stride);
        var r6 = Avx.LoadVector256(src + 6 * stride);
        var r7 = Avx.LoadVector256(src + 7 * stride);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
