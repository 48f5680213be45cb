using D2LLM.Tensors.Gemm;

namespace D2LLM.Tensors.Tests;

public class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 7, 33, 5 }, { 33, 7, 511 }, { 511, 65, 33 }, { 64, 511, 7 }, { 13, 1, 300 },
        { 1, 129, 64 }, { 300, 40, 257 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32_MatchesFloat64_ForAllTransposesAndKernels(int m, int n, int k)
    {
        foreach (var kernel in Kernels())
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    Check<float>(kernel, ta, tb, m, n, k, x => x, seed: m * 31 + n * 7 + k);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bf16AndF16_MatchFloat64_OfTheRoundedValues(int m, int n, int k)
    {
        foreach (var kernel in Kernels())
            foreach (bool tb in new[] { false, true })
            {
                Check(kernel, false, tb, m, n, k, BFloat16.FromSingle, seed: m + n + k);
                Check(kernel, true, tb, m, n, k, x => (Half)x, seed: m + 2 * n + k);
            }
    }

    public static TheoryData<int, int, int> EvenKShapes => new()
    {
        { 1, 1, 2 }, { 7, 33, 6 }, { 33, 7, 512 }, { 511, 65, 34 }, { 13, 37, 896 }, { 300, 40, 258 },
        { GemmDriver.MC + 5, GemmDriver.NC + 37, 2 * GemmDriver.KC + 6 },
    };

    /// <summary>
    /// The bf16 dot-product kernel where the CPU has one (A·op(B), B bf16 or float32, K even): the float64 product of A
    /// and B rounded to bf16, to float32 accumulation; any other product (odd K, A transposed) as the float32 kernel.
    /// Where the CPU has none, <see cref="CpuKernels.Bf16"/> is the float32 kernels.
    /// </summary>
    [Theory]
    [MemberData(nameof(EvenKShapes))]
    [InlineData(12, 32, 7)]
    public void Bf16Kernel_MatchesFloat64_OfInputsRoundedToBf16(int m, int n, int k)
    {
        if (!Matmul.IsSupported(GemmKernel.Avx512Bf16))
        {
            Assert.Same(CpuKernels.Instance, CpuKernels.Bf16);
            return;
        }

        Assert.Equal(Matmul.IsSupported(GemmKernel.AmxBf16) ? GemmKernel.AmxBf16 : GemmKernel.Avx512Bf16, CpuKernels.Bf16.LinearKernel);
        foreach (var kernel in new[] { GemmKernel.Avx512Bf16, GemmKernel.AmxBf16 }.Where(Matmul.IsSupported))
            CheckBf16(kernel, m, n, k);
    }

    /// <summary>A bf16 kernel's products: B bf16 or float32, transposed or as stored, and A transposed (the float32 kernel's).</summary>
    internal static void CheckBf16(GemmKernel kernel, int m, int n, int k, Multiplier<BFloat16>? bf16 = null, Multiplier<float>? f32 = null)
    {
        bool round = k % 2 == 0;
        Check(kernel, false, true, m, n, k, BFloat16.FromSingle, seed: m + 3 * n + k, roundInputs: round, bf16);
        Check(kernel, false, true, m, n, k, x => x, seed: m + 7 * n + k, roundInputs: round, f32);
        Check(kernel, false, false, m, n, k, BFloat16.FromSingle, seed: m + 5 * n + k, roundInputs: round, bf16);
        Check(kernel, false, false, m, n, k, x => x, seed: m + 9 * n + k, roundInputs: round, f32);
        if (f32 is null) Check<float>(kernel, true, false, m, n, k, x => x, seed: m + 11 * n + k);
    }

    [Fact]
    public void Narrowing_VectorEqualsScalar_WithTiesInfinitiesAndNaNs()
    {
        var rng = new Random(3);
        var values = RandomArray(rng, 203).Select(x => x * MathF.Pow(2, rng.Next(-140, 120))).Concat(new[]
        {
            float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001), float.PositiveInfinity, float.NegativeInfinity,
            float.MaxValue, -0f, 0f, float.Epsilon, BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000),
            BitConverter.UInt32BitsToSingle(0x3F808001), BitConverter.UInt32BitsToSingle(0x3F807FFF),
        }).ToArray();
        var vector = new BFloat16[values.Length];
        var scalar = new BFloat16[values.Length];
        unsafe
        {
            fixed (float* v = values)
            fixed (BFloat16* dv = vector, ds = scalar)
            {
                Narrowing.ToBFloat16(v, dv, values.Length);
                Narrowing.ToBFloat16(v, ds, values.Length, vector: false);
            }
        }

        Assert.Equal(scalar.Select(b => b.Bits), vector.Select(b => b.Bits));
        Assert.Equal(0x3F80, scalar[^4].Bits); // a tie rounds to the even neighbour
        Assert.Equal(0x3F82, scalar[^3].Bits);
        Assert.True(float.IsNaN(scalar[values.Length - 11].ToSingle())); // a signalling NaN is not rounded into infinity
    }

    [Fact]
    public void CrossesEveryBlockBoundary()
    {
        // n > NC, m > MC and k > KC, with edges on every side.
        Check<float>(GemmKernel.Auto, false, false, GemmDriver.MC + 5, GemmDriver.NC + 37, GemmDriver.KC * 2 + 3, x => x, 5);
        Check(GemmKernel.Auto, false, true, 3, GemmDriver.NC + 1, GemmDriver.KC + 1, BFloat16.FromSingle, 6);
    }

    [Theory]
    [InlineData(1, 512, 896)]
    [InlineData(100, 1, 512)]
    [InlineData(1, 1, 3)]
    public void LinearWithOneRowOrOneOutput_TakesTheDotProductPath_AndAgreesWithTheGemm(int rows, int outFeatures, int inFeatures)
    {
        var rng = new Random(rows + outFeatures);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] x = R(rows * inFeatures), w = R(outFeatures * inFeatures), bias = R(outFeatures);
        var viaDots = new float[rows * outFeatures];
        D2LLM.Tensors.Kernels.Linear.Forward<float>(x, w, bias, viaDots, rows, inFeatures, outFeatures);
        var viaGemm = new float[rows * outFeatures];
        Matmul.Multiply(false, true, rows, outFeatures, inFeatures, 1f, x, inFeatures, w, inFeatures, 0f, viaGemm, outFeatures);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < outFeatures; j++)
            {
                double exact = bias[j];
                for (int k = 0; k < inFeatures; k++) exact += (double)x[r * inFeatures + k] * w[j * inFeatures + k];
                float got = viaDots[r * outFeatures + j];
                Assert.True(Math.Abs(exact - got) <= 1e-4 * (1 + Math.Abs(exact)), $"[{r},{j}]: {got} vs exact {exact}");
                Assert.True(Math.Abs(viaGemm[r * outFeatures + j] + bias[j] - got) <= 1e-4 * (1 + Math.Abs(exact)), $"[{r},{j}]: {got} vs GEMM {viaGemm[r * outFeatures + j] + bias[j]}");
            }
    }

    [Fact]
    public void BetaZero_IgnoresNaNInC_AndKZeroScalesC()
    {
        var a = new float[] { 1, 2 };
        var b = new float[] { 3, 4 };
        var c = new float[] { float.NaN };
        Matmul.Multiply(false, false, 1, 1, 2, 1f, a, 2, b, 1, 0f, c, 1);
        Assert.Equal(11f, c[0]);

        var d = new float[] { 2f, 3f };
        Matmul.Multiply<float>(false, false, 1, 2, 0, 1f, Array.Empty<float>(), 0, Array.Empty<float>(), 2, 0.5f, d, 2);
        Assert.Equal(new[] { 1f, 1.5f }, d);
        Matmul.Multiply<float>(GemmKernel.Auto, false, false, 1, 2, 0, 1f, Array.Empty<float>(), 0, Array.Empty<float>(), 2, 2f, d, 2, new[] { 10f, 20f });
        Assert.Equal(new[] { 12f, 23f }, d);
    }

    [Fact]
    public void VectorKernelsAgreeWithScalar()
    {
        var rng = new Random(3);
        int m = 37, n = 70, k = 300;
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var reference = new float[m * n];
        Matmul.Multiply(GemmKernel.Scalar, false, false, m, n, k, 1f, a, k, b, n, 0f, reference, n);
        foreach (var kernel in new[] { GemmKernel.Avx512, GemmKernel.Avx2 }.Where(Matmul.IsSupported))
        {
            var c = new float[m * n];
            Matmul.Multiply(kernel, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - reference[i]) <= 1e-4f * (1 + Math.Abs(reference[i])), $"{kernel} at {i}");
        }
    }

    [Theory]
    [InlineData(32, 29, 21)]
    [InlineData(16, 16, 64)]
    [InlineData(32, 96, 7)]
    public void VectorTransposingPack_EqualsScalarPack_ForEveryStorageType(int nr, int nc, int kc)
    {
        var rng = new Random(nr + nc + kc);
        int ldb = kc + 5;
        var b = RandomArray(rng, (nc + 3) * ldb);
        AssertPacksAgree(b, ldb, nr, nc, kc);
        AssertPacksAgree(b.Select(BFloat16.FromSingle).ToArray(), ldb, nr, nc, kc);
        AssertPacksAgree(b.Select(x => (Half)x).ToArray(), ldb, nr, nc, kc);
    }

    [Theory]
    [InlineData(12, 12, 16)]
    [InlineData(12, 29, 21)]
    [InlineData(6, 17, 9)]
    [InlineData(4, 7, 3)]
    public unsafe void VectorPackOfA_EqualsScalarPack_RowMajorAndTransposed(int mr, int mc, int kc)
    {
        var rng = new Random(mr + mc + kc);
        int slivers = (mc + mr - 1) / mr;
        foreach (bool transA in new[] { false, true })
        {
            // op(A) is mc × kc from row 3, column 2; stored transposed, A holds it as kc × mc at A[2 + p, 3 + i].
            int lda = (transA ? mc : kc) + 5;
            var a = RandomArray(rng, ((transA ? kc : mc) + 3) * lda);
            var vector = new float[slivers * mr * kc];
            var scalar = new float[vector.Length];
            fixed (float* pa = a, pv = vector, ps = scalar)
            {
                GemmPacking.PackA(pa, lda, transA, 3, mc, 2, kc, mr, pv, vector: true);
                GemmPacking.PackA(pa, lda, transA, 3, mc, 2, kc, mr, ps, vector: false);
            }

            float At(int i, int p) => transA ? a[(2 + p) * lda + 3 + i] : a[(3 + i) * lda + 2 + p];
            Assert.Equal(scalar, vector);
            Assert.Equal(At(mc - 1, kc - 1), scalar[(slivers - 1) * mr * kc + (kc - 1) * mr + (mc - 1) % mr]);
            Assert.Equal(At(0, 1), vector[mr]);
            Assert.Equal(At(Math.Min(mr, mc) - 1, 0), vector[Math.Min(mr, mc) - 1]);
        }
    }

    private static unsafe void AssertPacksAgree<TB>(TB[] b, int ldb, int nr, int nc, int kc) where TB : unmanaged
    {
        int slivers = (nc + nr - 1) / nr;
        var vector = new float[slivers * nr * kc];
        var scalar = new float[vector.Length];
        fixed (TB* pb = b)
        fixed (float* pv = vector, ps = scalar)
        {
            // Offsets p0 = 2, j0 = 3 keep the source unaligned, as a weight's sub-block is.
            GemmPacking.PackB(pb, ldb, true, 2, kc, 3, nc, nr, pv, vector: true);
            GemmPacking.PackB(pb, ldb, true, 2, kc, 3, nc, nr, ps, vector: false);
        }

        Assert.Equal(scalar, vector);
        Assert.Equal(Widening.ToSingle(b[(3 + nc - 1) * ldb + 2 + kc - 1]), scalar[(slivers - 1) * nr * kc + (kc - 1) * nr + (nc - 1) % nr]);
    }

    [Fact]
    public void Batched_EqualsPerItemProducts_WithSharedB()
    {
        var rng = new Random(9);
        int batch = 5, m = 9, n = 11, k = 13;
        var a = RandomArray(rng, batch * m * k);
        var b = RandomArray(rng, k * n);
        var c = new float[batch * m * n];
        Matmul.MultiplyBatched<float>(batch, false, false, m, n, k, 1f, a, k, m * k, b, n, 0, 0f, c, n, m * n);
        for (int i = 0; i < batch; i++)
        {
            var expected = new float[m * n];
            Matmul.Multiply<float>(false, false, m, n, k, 1f, a.AsSpan(i * m * k, m * k), k, b, n, 0f, expected, n);
            Assert.Equal(expected, c.AsSpan(i * m * n, m * n).ToArray());
        }
    }

    [Fact]
    public void RejectsBuffersTooSmall()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Matmul.Multiply<float>(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.Contains("A holds 3", ex.Message);
    }

    private static IEnumerable<GemmKernel> Kernels() =>
        new[] { GemmKernel.Avx512, GemmKernel.Avx2, GemmKernel.Scalar }.Where(Matmul.IsSupported);

    /// <summary>C = α·op(A)·op(B) + β·C + bias by some route other than <see cref="Matmul.Multiply{TB}(GemmKernel, bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{TB}, int, float, Span{float}, int, ReadOnlySpan{float})"/>.</summary>
    internal delegate void Multiplier<TB>(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda, TB[] b, int ldb,
        float beta, float[] c, int ldc, float[] bias);

    internal static void Check<TB>(GemmKernel kernel, bool ta, bool tb, int m, int n, int k, Func<float, TB> convert, int seed,
        bool roundInputs = false, Multiplier<TB>? multiply = null)
        where TB : unmanaged
    {
        var rng = new Random(seed);
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
        var a = RandomArray(rng, (ta ? k : m) * lda);
        var b = RandomArray(rng, (tb ? n : k) * ldb).Select(convert).ToArray();
        var c = RandomArray(rng, m * ldc);
        var c0 = (float[])c.Clone();
        var bias = RandomArray(rng, n); // added to every row as the tiles are stored, once however many K slices
        const float alpha = 0.75f, beta = -0.5f;
        if (multiply is null) Matmul.Multiply(kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
        else multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = ta ? a[p * lda + i] : a[i * lda + p];
                    double y = Widening.ToSingle(tb ? b[j * ldb + p] : b[p * ldb + j]);
                    if (roundInputs) (x, y) = (BFloat16.FromSingle((float)x).ToSingle(), BFloat16.FromSingle((float)y).ToSingle());
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }

                double expected = alpha * sum + beta * c0[i * ldc + j] + bias[j];
                double error = Math.Abs(c[i * ldc + j] - expected);
                Assert.True(error <= 1e-6 * (magnitude + 1) * 4,
                    $"{kernel} {typeof(TB).Name} ta={ta} tb={tb} {m}x{n}x{k} at ({i},{j}): {c[i * ldc + j]} vs {expected}");
            }

            Assert.Equal(c0[i * ldc + n], c[i * ldc + n]); // the padding column is untouched
        }
    }

    internal static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
