using D2LLM.Tensors.Threading;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// Which micro-kernel runs a GEMM. <see cref="Auto"/> picks the widest float32 kernel the CPU supports;
/// <see cref="Avx512Bf16"/> and <see cref="AmxBf16"/> are chosen, never picked: they round A and B to bf16 (products
/// summed in float32).
/// </summary>
public enum GemmKernel
{
    Auto,
    Avx512,
    Avx2,
    Scalar,

    /// <summary>
    /// AVX512-BF16 dot products for A·Bᵀ with K even (Linear layers): twice the multiply-adds per instruction, A and a
    /// float32 B rounded to bf16. Other products run on <see cref="Avx512"/>.
    /// </summary>
    Avx512Bf16,

    /// <summary>
    /// AMX tiles (TDPBF16PS: 16 × 16 × 32 per instruction) for the products of <see cref="Avx512Bf16"/> whose K is a
    /// multiple of 32; the others run as <see cref="Avx512Bf16"/> does. Intel Sapphire Rapids and later, on Linux.
    /// </summary>
    AmxBf16,
}

/// <summary>
/// General matrix product on row-major float32 data: C = α·op(A)·op(B) + β·C, where op is the identity or the
/// transpose, A is float32 and B may be float32, <see cref="BFloat16"/> or <see cref="Half"/> (widened per packed
/// block), optionally plus a bias added to every row of C as its tiles are stored (a Linear layer's, with no pass of its
/// own over C). β = 0 ignores C's previous contents (NaN included). Large products run on the shared
/// <see cref="WorkerPool"/>, split along the longer side of C so that each part packs its own operand.
/// </summary>
public static unsafe class Matmul
{
    /// <summary>Below this many multiply-adds a product runs on the calling thread only.</summary>
    private const long ParallelThreshold = 1L << 18;

    public static void Multiply<TB>(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<TB> b, int ldb, float beta, Span<float> c, int ldc)
        where TB : unmanaged
        => Multiply(GemmKernel.Auto, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>C = α·op(A)·op(B) + β·C + 1·biasᵀ: an empty <paramref name="bias"/> adds nothing, else it holds n values.</summary>
    public static void Multiply<TB>(GemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<TB> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias = default)
        where TB : unmanaged
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (!bias.IsEmpty && bias.Length < n) throw new ArgumentException($"GEMM: the bias holds {bias.Length} values for {n} columns");
        fixed (float* pa = a)
        fixed (TB* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            Run(kernel, new GemmArgs<TB>(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias), parallel: true);
        }
    }

    /// <summary>
    /// <paramref name="batch"/> independent products; item i reads A at i·strideA, B at i·strideB and writes C at
    /// i·strideC. A stride of 0 shares that operand across the batch.
    /// </summary>
    public static void MultiplyBatched<TB>(int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<TB> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC)
        where TB : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (batch == 0) return;
        long lastA = strideA * (batch - 1), lastB = strideB * (batch - 1), lastC = strideC * (batch - 1);
        Validate(transA, transB, m, n, k, a.Length - lastA, lda, b.Length - lastB, ldb, c.Length - lastC, ldc);
        if (strideC < (long)(m - 1) * ldc + n && batch > 1)
            throw new ArgumentException($"strideC {strideC} makes outputs of batch items overlap");

        fixed (float* pa = a)
        fixed (TB* pb = b)
        fixed (float* pc = c)
        {
            float* a0 = pa;
            TB* b0 = pb;
            float* c0 = pc;
            bool itemsInParallel = (long)m * n * k < ParallelThreshold * 4;
            if (!itemsInParallel)
            {
                for (int i = 0; i < batch; i++)
                    Run(GemmKernel.Auto, new GemmArgs<TB>(transA, transB, m, n, k, alpha, a0 + i * strideA, lda,
                        b0 + i * strideB, ldb, beta, c0 + i * strideC, ldc), parallel: true);
                return;
            }

            WorkerPool.Shared.Run(batch, i => Run(GemmKernel.Auto, new GemmArgs<TB>(transA, transB, m, n, k, alpha,
                a0 + i * strideA, lda, b0 + i * strideB, ldb, beta, c0 + i * strideC, ldc), parallel: false));
        }
    }

    /// <summary>The kernel <see cref="GemmKernel.Auto"/> resolves to on this CPU.</summary>
    public static GemmKernel BestKernel =>
        Avx512Kernel.IsSupported ? GemmKernel.Avx512 : Avx2Kernel.IsSupported ? GemmKernel.Avx2 : GemmKernel.Scalar;

    /// <summary>Whether <see cref="GemmKernel.AmxBf16"/> runs here, and if not why ("in use", or the reason: no AMX, tile state refused, …).</summary>
    public static string AmxStatus => AmxTileKernel.Status;

    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Auto or GemmKernel.Scalar => true,
        GemmKernel.Avx512 => Avx512Kernel.IsSupported,
        GemmKernel.Avx2 => Avx2Kernel.IsSupported,
        GemmKernel.Avx512Bf16 => Bf16DotKernel.IsSupported,
        GemmKernel.AmxBf16 => AmxTileKernel.IsSupported,
        _ => false,
    };

    internal static void Run<TB>(GemmKernel kernel, in GemmArgs<TB> g, bool parallel) where TB : unmanaged
    {
        if (g.M == 0 || g.N == 0) return;
        if (g.K == 0)
        {
            ScaleC(g);
            return;
        }

        kernel = kernel == GemmKernel.Auto ? BestKernel : kernel;
        if (!IsSupported(kernel)) throw new NotSupportedException($"GEMM kernel {kernel} is not supported on this CPU");
        var (mr, nr) = kernel switch
        {
            GemmKernel.Avx512 => (Avx512Kernel.MR, Avx512Kernel.NR),
            GemmKernel.AmxBf16 when Bf16GemmDriver.HandlesTiles(g) => (AmxTileKernel.MR, AmxTileKernel.NR),
            GemmKernel.Avx512Bf16 or GemmKernel.AmxBf16 when Bf16GemmDriver.Handles(g) => (Bf16DotKernel.MR, Bf16DotKernel.NR),
            GemmKernel.Avx512Bf16 or GemmKernel.AmxBf16 => (Avx512Kernel.MR, Avx512Kernel.NR),
            GemmKernel.Avx2 => (Avx2Kernel.MR, Avx2Kernel.NR),
            _ => (ScalarKernel.MR, ScalarKernel.NR),
        };

        var pool = WorkerPool.Shared;
        bool splitN = g.M <= g.N;
        int unit = splitN ? nr : mr;
        int tiles = ((splitN ? g.N : g.M) + unit - 1) / unit;
        int parts = parallel && (long)g.M * g.N * g.K >= ParallelThreshold ? Math.Min(pool.Size, tiles) : 1;
        if (parts <= 1)
        {
            Dispatch(kernel, g, 0, g.M, 0, g.N);
            return;
        }

        var args = g;
        pool.Run(parts, p =>
        {
            int from = (int)((long)tiles * p / parts) * unit;
            int to = Math.Min((int)((long)tiles * (p + 1) / parts) * unit, splitN ? args.N : args.M);
            if (splitN) Dispatch(kernel, args, 0, args.M, from, to);
            else Dispatch(kernel, args, from, to, 0, args.N);
        });
    }

    private static void Dispatch<TB>(GemmKernel kernel, in GemmArgs<TB> g, int i0, int i1, int j0, int j1)
        where TB : unmanaged
    {
        switch (kernel)
        {
            case GemmKernel.AmxBf16 when Bf16GemmDriver.HandlesTiles(g): Bf16GemmDriver.Run(g, i0, i1, j0, j1, AmxTileKernel.Hardware); break;
            case GemmKernel.Avx512Bf16 or GemmKernel.AmxBf16 when Bf16GemmDriver.Handles(g): Bf16GemmDriver.Run(g, i0, i1, j0, j1); break;
            case GemmKernel.Avx512 or GemmKernel.Avx512Bf16 or GemmKernel.AmxBf16: GemmDriver.Run<Avx512Kernel, TB>(g, i0, i1, j0, j1); break;
            case GemmKernel.Avx2: GemmDriver.Run<Avx2Kernel, TB>(g, i0, i1, j0, j1); break;
            default: GemmDriver.Run<ScalarKernel, TB>(g, i0, i1, j0, j1); break;
        }
    }

    private static void ScaleC<TB>(in GemmArgs<TB> g) where TB : unmanaged
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = new Span<float>(g.C + (long)i * g.Ldc, g.N);
            if (g.Beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, g.Beta, row);
            if (g.Bias != null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(g.Bias, g.N), row);
        }
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, long aLength, int lda, long bLength,
        int ldb, long cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"GEMM sizes must be non-negative (m={m}, n={n}, k={k})");
        if (m == 0 || n == 0) return;
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Check("A", aRows, aCols, lda, aLength);
        Check("B", bRows, bCols, ldb, bLength);
        Check("C", m, n, ldc, cLength);

        static void Check(string name, int rows, int cols, int ld, long length)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its {cols} columns");
            long needed = (long)(rows - 1) * ld + cols;
            if (length < needed) throw new ArgumentException($"GEMM: {name} holds {length} elements but a {rows}×{cols} matrix with stride {ld} needs {needed}");
        }
    }
}
