using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// <see cref="GemmDriver"/>'s loop nest for C = α·A·Bᵀ + β·C — every Linear layer — on <see cref="Bf16DotKernel"/>:
/// each block of A is rounded to bf16 (nearest even) row by row and then packed; a bf16 B (a bf16 checkpoint) is packed
/// as stored (a transposed B holds B[2p][j], B[2p+1][j] side by side: one dword), a float32 B rounded like A first;
/// the products accumulate in float32. Both packings move dwords, so they are the float32 packings of
/// <see cref="GemmPacking"/> over the pairs. K even; slices of KC pairs (twice the float32 driver's elements, the same bytes).
/// </summary>
internal static unsafe class Bf16GemmDriver
{
    private const int MR = Bf16DotKernel.MR, NR = Bf16DotKernel.NR;

    [ThreadStatic] private static float[]? t_rowsA;
    [ThreadStatic] private static float[]? t_rowsB;
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    /// <summary>Whether a product has the shape this driver runs: A·Bᵀ, B bf16 (at even strides) or float32, K even.</summary>
    public static bool Handles<TB>(in GemmArgs<TB> g) where TB : unmanaged =>
        g.TransB && !g.TransA && g.K % 2 == 0 && (typeof(TB) == typeof(float) || (typeof(TB) == typeof(BFloat16) && g.Ldb % 2 == 0));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TB>(in GemmArgs<TB> g, int i0, int i1, int j0, int j1) where TB : unmanaged
    {
        const int kcMax = GemmDriver.KC;
        int mcMax = GemmDriver.MC / MR * MR;
        int pairsTotal = g.K / 2;
        int ncMax = Math.Max(GemmDriver.NC, GemmDriver.NC * kcMax / Math.Max(1, Math.Min(kcMax, pairsTotal)) / NR * NR);
        float* rowsA = GemmDriver.Scratch(ref t_rowsA, mcMax * kcMax);
        float* packA = GemmDriver.Scratch(ref t_packA, mcMax * kcMax);
        float* packB = GemmDriver.Scratch(ref t_packB, GemmDriver.NC * kcMax);
        float* rowsB = typeof(TB) == typeof(float) ? GemmDriver.Scratch(ref t_rowsB, GemmDriver.NC * kcMax) : null;
        float* tile = stackalloc float[MR * NR];

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < pairsTotal; pc += kcMax)
            {
                int pairs = Math.Min(kcMax, pairsTotal - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                PackB(g, rowsB, jc, nc, pc, pairs, packB);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    for (int r = 0; r < mc; r++)
                        Narrowing.ToBFloat16(g.A + (long)(ic + r) * g.Lda + 2 * pc, (BFloat16*)(rowsA + (long)r * pairs), 2 * pairs);
                    GemmPacking.PackA(rowsA, pairs, transA: false, 0, mc, 0, pairs, MR, packA);
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int cols = Math.Min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            Bf16DotKernel.Run(pairs, (uint*)(packA + (long)ir * pairs), (uint*)(packB + (long)jr * pairs), tile);
                            float* c = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                            int rows = Math.Min(MR, mc - ir);
                            if (cols == NR) StoreRows(tile, c, g.Ldc, rows, g.Alpha, beta);
                            else GemmDriver.StoreEdge(tile, NR, c, g.Ldc, rows, cols, g.Alpha, beta);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// B's nc × pairs block into <paramref name="packB"/>: a bf16 B's stored pairs (each float-sized element one pair), or a
    /// float32 B's rows rounded to bf16 into <paramref name="rowsB"/> first.
    /// </summary>
    private static void PackB<TB>(in GemmArgs<TB> g, float* rowsB, int jc, int nc, int pc, int pairs, float* packB) where TB : unmanaged
    {
        if (typeof(TB) == typeof(BFloat16))
        {
            GemmPacking.PackB((float*)g.B, g.Ldb / 2, transB: true, pc, pairs, jc, nc, NR, packB);
            return;
        }

        for (int j = 0; j < nc; j++)
            Narrowing.ToBFloat16((float*)g.B + (long)(jc + j) * g.Ldb + 2 * pc, (BFloat16*)(rowsB + (long)j * pairs), 2 * pairs);
        GemmPacking.PackB(rowsB, pairs, transB: true, 0, pairs, 0, nc, NR, packB);
    }

    /// <summary>C rows = α·tile + β·C (β = 0 never reads C), NR = 32 columns as two 512-bit halves.</summary>
    private static void StoreRows(float* tile, float* c, int ldc, int rows, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        for (int i = 0; i < rows; i++, tile += NR, c += ldc)
        {
            var lo = Vector512.Load(tile) * va;
            var hi = Vector512.Load(tile + 16) * va;
            if (beta != 0f)
            {
                var vb = Vector512.Create(beta);
                lo += Vector512.Load(c) * vb;
                hi += Vector512.Load(c + 16) * vb;
            }

            lo.Store(c);
            hi.Store(c + 16);
        }
    }
}
