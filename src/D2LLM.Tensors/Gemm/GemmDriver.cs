using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace D2LLM.Tensors.Gemm;

/// <summary>Pointers and sizes of one C = α·op(A)·op(B) + β·C + 1·biasᵀ problem, row-major; a null bias adds nothing.</summary>
internal readonly unsafe struct GemmArgs<TB> where TB : unmanaged
{
    public readonly bool TransA, TransB;
    public readonly int M, N, K, Lda, Ldb, Ldc;
    public readonly float Alpha, Beta;
    public readonly float* A;
    public readonly TB* B;
    public readonly float* C;

    /// <summary>N values added to every row of C (a Linear layer's bias, added as its tiles are stored), or null.</summary>
    public readonly float* Bias;

    public GemmArgs(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, TB* b, int ldb,
        float beta, float* c, int ldc, float* bias = null)
    {
        (TransA, TransB, M, N, K, Alpha, Lda, Ldb, Beta, Ldc) = (transA, transB, m, n, k, alpha, lda, ldb, beta, ldc);
        A = a;
        B = b;
        C = c;
        Bias = bias;
    }

    /// <summary>The bias of C's columns from <paramref name="column"/> for the first slice of K (the later ones accumulate onto it).</summary>
    public float* BiasFor(int slice, int column) => slice == 0 && Bias != null ? Bias + column : null;
}

/// <summary>
/// The BLIS loop nest over one rectangle of C, single-threaded: for each NC column panel and KC slice of the
/// inner dimension, pack B once, then for each MC row block pack A and sweep the micro-kernel over the tiles
/// (each NR sliver of B is reused by all MC/MR slivers of A). KC is deliberately large: every KC slice costs a
/// load and store of the C tile, and on this class of machine (AMD Zen 5, 1 MB L2) that traffic, not the
/// operands, was the bottleneck — KC 256 → 2048 took 2048³ from 350 to 445 GFLOP/s (bench/README.md).
/// </summary>
internal static unsafe class GemmDriver
{
    internal const int KC = 2048;
    internal const int MC = 192;
    internal const int NC = 1024;

    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TK, TB>(in GemmArgs<TB> g, int i0, int i1, int j0, int j1)
        where TK : struct, IMicroKernel
        where TB : unmanaged
    {
        int mr = TK.MR, nr = TK.NR;
        int mcMax = MC / mr * mr;
        // A short inner dimension leaves room for wider B panels in the same buffer: each panel repacks all of A.
        int ncMax = Math.Max(NC, NC * KC / Math.Max(1, Math.Min(KC, g.K)) / nr * nr);
        float* packA = Scratch(ref t_packA, mcMax * KC);
        float* packB = Scratch(ref t_packB, NC * KC);
        float* tile = stackalloc float[mr * nr];

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < g.K; pc += KC)
            {
                int kc = Math.Min(KC, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                GemmPacking.PackB(g.B, g.Ldb, g.TransB, pc, kc, jc, nc, nr, packB);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    GemmPacking.PackA(g.A, g.Lda, g.TransA, ic, mc, pc, kc, mr, packA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* pb = packB + (long)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* pa = packA + (long)ir * kc;
                            float* c = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                            float* bias = g.BiasFor(pc, jc + jr);
                            if (rows == mr && cols == nr)
                            {
                                TK.Run(kc, pa, pb, c, g.Ldc, g.Alpha, beta, bias);
                            }
                            else
                            {
                                TK.Run(kc, pa, pb, tile, nr, 1f, 0f, null);
                                StoreEdge(tile, nr, c, g.Ldc, rows, cols, g.Alpha, beta, bias);
                            }
                        }
                    }
                }
            }
        }
    }

    internal static void StoreEdge(float* tile, int nr, float* c, int ldc, int rows, int cols, float alpha, float beta, float* bias)
    {
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                float v = alpha * tile[i * nr + j] + (bias == null ? 0f : bias[j]);
                c[(long)i * ldc + j] = beta == 0f ? v : v + beta * c[(long)i * ldc + j];
            }
        }
    }

    /// <summary>A per-thread pinned buffer of at least <paramref name="length"/> floats, aligned to 64 bytes.</summary>
    internal static float* Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length + 16)
            buffer = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((p + 63) & ~(nint)63);
    }
}
