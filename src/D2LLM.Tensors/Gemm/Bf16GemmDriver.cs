using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// <see cref="GemmDriver"/>'s loop nest for C = α·A·op(B) + β·C — a Linear layer's forward (B transposed) and its
/// input gradient (B as stored) — on <see cref="Bf16DotKernel"/>: each block of A is rounded to bf16 (nearest even)
/// row by row and then packed; a transposed bf16 B (a bf16 checkpoint) is packed as stored (it holds B[2p][j],
/// B[2p+1][j] side by side: one dword), a float32 one rounded like A first (both through the float32 packings of
/// <see cref="GemmPacking"/>, which move dwords); a B as stored has rows 2p and 2p+1 interleaved into pairs. The
/// products accumulate in float32. K even; slices of KC pairs (twice the float32 driver's elements, the same bytes).
/// On AMX tiles (<see cref="AmxTileKernel"/>, K a multiple of 32) A's rounded rows are packed into tiles
/// (<see cref="AmxTileKernel.PackA"/>) and B's packing is the same.
/// </summary>
internal static unsafe class Bf16GemmDriver
{
    private const int MR = Bf16DotKernel.MR, NR = Bf16DotKernel.NR;

    [ThreadStatic] private static float[]? t_rowsA;
    [ThreadStatic] private static float[]? t_rowsB;
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    /// <summary>Whether a product has the shape this driver runs: A not transposed, B bf16 (a transposed one at even strides) or float32, K even.</summary>
    public static bool Handles<TB>(in GemmArgs<TB> g) where TB : unmanaged =>
        !g.TransA && g.K % 2 == 0 && (typeof(TB) == typeof(float) || (typeof(TB) == typeof(BFloat16) && (g.Ldb % 2 == 0 || !g.TransB)));

    /// <summary>Whether <see cref="AmxTileKernel"/> can run it: one <see cref="Handles"/> with whole steps of 16 k-pairs.</summary>
    public static bool HandlesTiles<TB>(in GemmArgs<TB> g) where TB : unmanaged =>
        Handles(g) && g.K % (2 * AmxTileKernel.PairsPerStep) == 0;

    /// <summary>C's rectangle [i0, i1) × [j0, j1) on the dot-product kernel, or on <paramref name="tiles"/> where given (see <see cref="HandlesTiles"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TB>(in GemmArgs<TB> g, int i0, int i1, int j0, int j1, TileKernel? tiles = null) where TB : unmanaged
    {
        const int kcMax = GemmDriver.KC;
        int mr = tiles == null ? MR : AmxTileKernel.MR;
        int mcMax = GemmDriver.MC / mr * mr;
        int pairsTotal = g.K / 2;
        int ncMax = Math.Max(GemmDriver.NC, GemmDriver.NC * kcMax / Math.Max(1, Math.Min(kcMax, pairsTotal)) / NR * NR);
        float* rowsA = GemmDriver.Scratch(ref t_rowsA, mcMax * kcMax);
        float* packA = GemmDriver.Scratch(ref t_packA, mcMax * kcMax);
        float* packB = GemmDriver.Scratch(ref t_packB, GemmDriver.NC * kcMax);
        float* rowsB = typeof(TB) == typeof(float) && g.TransB ? GemmDriver.Scratch(ref t_rowsB, GemmDriver.NC * kcMax) : null;
        float* tile = stackalloc float[AmxTileKernel.MR * NR];

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
                    if (tiles == null) GemmPacking.PackA(rowsA, pairs, transA: false, 0, mc, 0, pairs, MR, packA);
                    else AmxTileKernel.PackA((uint*)rowsA, pairs, (mc + 31) & ~31, (uint*)packA);
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int cols = Math.Min(NR, nc - jr);
                        uint* b = (uint*)(packB + (long)jr * pairs);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            // Rows past mc in the last panel are rowsA's leftovers: their outputs are not stored.
                            if (tiles is { } t) t.Run(pairs / AmxTileKernel.PairsPerStep, (uint*)(packA + (long)ir * pairs), b, tile);
                            else Bf16DotKernel.Run(pairs, (uint*)(packA + (long)ir * pairs), b, tile);
                            float* c = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                            int rows = Math.Min(mr, mc - ir);
                            float* bias = g.BiasFor(pc, jc + jr);
                            if (cols == NR) StoreRows(tile, c, g.Ldc, rows, g.Alpha, beta, bias);
                            else GemmDriver.StoreEdge(tile, NR, c, g.Ldc, rows, cols, g.Alpha, beta, bias);
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
        if (!g.TransB)
        {
            PairRows(g, jc, nc, pc, pairs, (uint*)packB);
            return;
        }

        if (typeof(TB) == typeof(BFloat16))
        {
            GemmPacking.PackB((float*)g.B, g.Ldb / 2, transB: true, pc, pairs, jc, nc, NR, packB);
            return;
        }

        for (int j = 0; j < nc; j++)
            Narrowing.ToBFloat16((float*)g.B + (long)(jc + j) * g.Ldb + 2 * pc, (BFloat16*)(rowsB + (long)j * pairs), 2 * pairs);
        GemmPacking.PackB(rowsB, pairs, transB: true, 0, pairs, 0, nc, NR, packB);
    }

    /// <summary>
    /// dst[s][p][j] = bf16 B[2(pc + p)][jc + s + j] low, B[2(pc + p) + 1][…] high, for a B as stored (rows along K);
    /// slivers of NR columns, zero past the last. Rows are widened and merged 16 pairs at a time in AVX-512 registers.
    /// </summary>
    private static void PairRows<TB>(in GemmArgs<TB> g, int jc, int nc, int pc, int pairs, uint* dst) where TB : unmanaged
    {
        var even = stackalloc BFloat16[NR];
        var odd = stackalloc BFloat16[NR];
        for (int s = 0; s < nc; s += NR)
        {
            int cols = Math.Min(NR, nc - s);
            for (int p = 0; p < pairs; p++)
            {
                long row = 2L * (pc + p);
                BFloat16* lo = Row(g, row, jc + s, cols, even), hi = Row(g, row + 1, jc + s, cols, odd);
                uint* d = dst + (long)s * pairs + (long)p * NR;
                int j = 0;
                if (Avx512F.IsSupported)
                    for (; j + 16 <= cols; j += 16)
                    {
                        var low = Avx512F.ConvertToVector512UInt32(Avx.LoadVector256((ushort*)lo + j));
                        var high = Avx512F.ConvertToVector512UInt32(Avx.LoadVector256((ushort*)hi + j)) << 16;
                        (low | high).Store(d + j);
                    }

                for (; j < cols; j++) d[j] = lo[j].Bits | (uint)hi[j].Bits << 16;
                for (; j < NR; j++) d[j] = 0;
            }
        }
    }

    /// <summary>cols bf16 values of B's row from column j0: the stored ones, or a float32 row's rounded into <paramref name="buffer"/>.</summary>
    private static BFloat16* Row<TB>(in GemmArgs<TB> g, long row, int j0, int cols, BFloat16* buffer) where TB : unmanaged
    {
        if (typeof(TB) == typeof(BFloat16)) return (BFloat16*)g.B + row * g.Ldb + j0;
        Narrowing.ToBFloat16((float*)g.B + row * g.Ldb + j0, buffer, cols);
        return buffer;
    }

    /// <summary>C rows = α·tile + β·C + bias (β = 0 never reads C; null bias adds 0), NR = 32 columns as two 512-bit halves.</summary>
    private static void StoreRows(float* tile, float* c, int ldc, int rows, float alpha, float beta, float* bias)
    {
        var va = Vector512.Create(alpha);
        var (biasLo, biasHi) = bias == null ? default : (Vector512.Load(bias), Vector512.Load(bias + 16));
        for (int i = 0; i < rows; i++, tile += NR, c += ldc)
        {
            var lo = Vector512.FusedMultiplyAdd(Vector512.Load(tile), va, biasLo);
            var hi = Vector512.FusedMultiplyAdd(Vector512.Load(tile + 16), va, biasHi);
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
