using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors;

/// <summary>float32 to bf16, rounding to nearest even as <see cref="BFloat16.FromSingle"/> does (NaN stays NaN).</summary>
public static unsafe class Narrowing
{
    /// <summary>
    /// dst[i] = bf16(src[i]) for a contiguous run (the bf16 GEMM rounds its A blocks with it). 16 at a time in
    /// AVX-512 registers unless <paramref name="vector"/> is false (the scalar reference the tests compare with):
    ///   bits + 0x7FFF + ((bits » 16) ∧ 1), then the upper halves; a NaN keeps its sign and payload, made quiet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToBFloat16(float* src, BFloat16* dst, int count, bool vector = true)
    {
        int i = 0;
        if (vector && Avx512F.IsSupported)
        {
            var one = Vector512.Create(1u);
            var half = Vector512.Create(0x7FFFu);
            var magnitude = Vector512.Create(0x7FFFFFFFu);
            var infinity = Vector512.Create(0x7F800000u);
            var quiet = Vector512.Create(0x00400000u);
            for (; i + 16 <= count; i += 16)
            {
                var bits = Avx512F.LoadVector512((uint*)src + i);
                var rounded = bits + half + ((bits >>> 16) & one);
                var nan = Vector512.GreaterThan(bits & magnitude, infinity);
                var result = Vector512.ConditionalSelect(nan, bits | quiet, rounded) >>> 16;
                Avx512F.Store((ushort*)dst + i, Avx512F.ConvertToVector256UInt16(result));
            }
        }

        for (; i < count; i++) dst[i] = BFloat16.FromSingle(src[i]);
    }
}
