using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// A register-blocked kernel: C[MR×NR] = α·(Ap·Bp) + β·C + 1·biasᵀ over packed slivers, where Ap holds MR values per k
/// (one column of an MR-row sliver of A) and Bp holds NR values per k. β = 0 never reads C; a null bias adds nothing.
/// </summary>
internal interface IMicroKernel
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract bool IsSupported { get; }
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias);
}

/// <summary>AVX-512: 12 rows × 32 columns = 24 zmm accumulators, 2 loads of B and 12 broadcasts of A per k.</summary>
internal readonly struct Avx512Kernel : IMicroKernel
{
    public static int MR => 12;
    public static int NR => 32;
    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias)
    {
        Vector512<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default, c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default, c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default, c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            Vector512<float> x;
                x = Vector512.Create(a[0]);
                c0a = Avx512F.FusedMultiplyAdd(x, b0, c0a);
                c0b = Avx512F.FusedMultiplyAdd(x, b1, c0b);
                x = Vector512.Create(a[1]);
                c1a = Avx512F.FusedMultiplyAdd(x, b0, c1a);
                c1b = Avx512F.FusedMultiplyAdd(x, b1, c1b);
                x = Vector512.Create(a[2]);
                c2a = Avx512F.FusedMultiplyAdd(x, b0, c2a);
                c2b = Avx512F.FusedMultiplyAdd(x, b1, c2b);
                x = Vector512.Create(a[3]);
                c3a = Avx512F.FusedMultiplyAdd(x, b0, c3a);
                c3b = Avx512F.FusedMultiplyAdd(x, b1, c3b);
                x = Vector512.Create(a[4]);
                c4a = Avx512F.FusedMultiplyAdd(x, b0, c4a);
                c4b = Avx512F.FusedMultiplyAdd(x, b1, c4b);
                x = Vector512.Create(a[5]);
                c5a = Avx512F.FusedMultiplyAdd(x, b0, c5a);
                c5b = Avx512F.FusedMultiplyAdd(x, b1, c5b);
                x = Vector512.Create(a[6]);
                c6a = Avx512F.FusedMultiplyAdd(x, b0, c6a);
                c6b = Avx512F.FusedMultiplyAdd(x, b1, c6b);
                x = Vector512.Create(a[7]);
                c7a = Avx512F.FusedMultiplyAdd(x, b0, c7a);
                c7b = Avx512F.FusedMultiplyAdd(x, b1, c7b);
                x = Vector512.Create(a[8]);
                c8a = Avx512F.FusedMultiplyAdd(x, b0, c8a);
                c8b = Avx512F.FusedMultiplyAdd(x, b1, c8b);
                x = Vector512.Create(a[9]);
                c9a = Avx512F.FusedMultiplyAdd(x, b0, c9a);
                c9b = Avx512F.FusedMultiplyAdd(x, b1, c9b);
                x = Vector512.Create(a[10]);
                c10a = Avx512F.FusedMultiplyAdd(x, b0, c10a);
                c10b = Avx512F.FusedMultiplyAdd(x, b1, c10b);
                x = Vector512.Create(a[11]);
                c11a = Avx512F.FusedMultiplyAdd(x, b0, c11a);
                c11b = Avx512F.FusedMultiplyAdd(x, b1, c11b);
            a += 12;
            b += 32;
        }

        var va = Vector512.Create(alpha);
        var (ba, bb) = bias == null ? default : (Avx512F.LoadVector512(bias), Avx512F.LoadVector512(bias + 16));
        Store(c + 0 * ldc, c0a, c0b, va, beta, ba, bb);
        Store(c + 1 * ldc, c1a, c1b, va, beta, ba, bb);
        Store(c + 2 * ldc, c2a, c2b, va, beta, ba, bb);
        Store(c + 3 * ldc, c3a, c3b, va, beta, ba, bb);
        Store(c + 4 * ldc, c4a, c4b, va, beta, ba, bb);
        Store(c + 5 * ldc, c5a, c5b, va, beta, ba, bb);
        Store(c + 6 * ldc, c6a, c6b, va, beta, ba, bb);
        Store(c + 7 * ldc, c7a, c7b, va, beta, ba, bb);
        Store(c + 8 * ldc, c8a, c8b, va, beta, ba, bb);
        Store(c + 9 * ldc, c9a, c9b, va, beta, ba, bb);
        Store(c + 10 * ldc, c10a, c10b, va, beta, ba, bb);
        Store(c + 11 * ldc, c11a, c11b, va, beta, ba, bb);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha, float beta,
        Vector512<float> biasLo, Vector512<float> biasHi)
    {
        lo = Avx512F.FusedMultiplyAdd(lo, alpha, biasLo);
        hi = Avx512F.FusedMultiplyAdd(hi, alpha, biasHi);
        if (beta != 0f)
        {
            var vb = Vector512.Create(beta);
            lo = Avx512F.FusedMultiplyAdd(vb, Avx512F.LoadVector512(c), lo);
            hi = Avx512F.FusedMultiplyAdd(vb, Avx512F.LoadVector512(c + 16), hi);
        }
        Avx512F.Store(c, lo);
        Avx512F.Store(c + 16, hi);
    }
}

/// <summary>AVX2 + FMA: 6 rows × 16 columns = 12 ymm accumulators.</summary>
internal readonly struct Avx2Kernel : IMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias)
    {
        Vector256<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default, c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            Vector256<float> x;
                x = Vector256.Create(a[0]);
                c0a = Fma.MultiplyAdd(x, b0, c0a);
                c0b = Fma.MultiplyAdd(x, b1, c0b);
                x = Vector256.Create(a[1]);
                c1a = Fma.MultiplyAdd(x, b0, c1a);
                c1b = Fma.MultiplyAdd(x, b1, c1b);
                x = Vector256.Create(a[2]);
                c2a = Fma.MultiplyAdd(x, b0, c2a);
                c2b = Fma.MultiplyAdd(x, b1, c2b);
                x = Vector256.Create(a[3]);
                c3a = Fma.MultiplyAdd(x, b0, c3a);
                c3b = Fma.MultiplyAdd(x, b1, c3b);
                x = Vector256.Create(a[4]);
                c4a = Fma.MultiplyAdd(x, b0, c4a);
                c4b = Fma.MultiplyAdd(x, b1, c4b);
                x = Vector256.Create(a[5]);
                c5a = Fma.MultiplyAdd(x, b0, c5a);
                c5b = Fma.MultiplyAdd(x, b1, c5b);
            a += 6;
            b += 16;
        }

        var va = Vector256.Create(alpha);
        var (ba, bb) = bias == null ? default : (Avx.LoadVector256(bias), Avx.LoadVector256(bias + 8));
        Store(c + 0 * ldc, c0a, c0b, va, beta, ba, bb);
        Store(c + 1 * ldc, c1a, c1b, va, beta, ba, bb);
        Store(c + 2 * ldc, c2a, c2b, va, beta, ba, bb);
        Store(c + 3 * ldc, c3a, c3b, va, beta, ba, bb);
        Store(c + 4 * ldc, c4a, c4b, va, beta, ba, bb);
        Store(c + 5 * ldc, c5a, c5b, va, beta, ba, bb);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, Vector256<float> lo, Vector256<float> hi, Vector256<float> alpha, float beta,
        Vector256<float> biasLo, Vector256<float> biasHi)
    {
        lo = Fma.MultiplyAdd(lo, alpha, biasLo);
        hi = Fma.MultiplyAdd(hi, alpha, biasHi);
        if (beta != 0f)
        {
            var vb = Vector256.Create(beta);
            lo = Fma.MultiplyAdd(vb, Avx.LoadVector256(c), lo);
            hi = Fma.MultiplyAdd(vb, Avx.LoadVector256(c + 8), hi);
        }
        Avx.Store(c, lo);
        Avx.Store(c + 8, hi);
    }
}

/// <summary>Portable fallback, and the reference the vector kernels are tested against.</summary>
internal readonly struct ScalarKernel : IMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static bool IsSupported => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias)
    {
        float* acc = stackalloc float[16];
        new Span<float>(acc, 16).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                float x = a[i];
                for (int j = 0; j < 4; j++) acc[i * 4 + j] += x * b[j];
            }
            a += 4;
            b += 4;
        }

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                float v = alpha * acc[i * 4 + j] + (bias == null ? 0f : bias[j]);
                c[i * ldc + j] = beta == 0f ? v : v + beta * c[i * ldc + j];
            }
        }
    }
}
