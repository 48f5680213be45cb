using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors;

/// <summary>Conversion of stored elements (float32, bf16, f16) to float32, vectorised for bf16.</summary>
public static unsafe class Widening
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle<T>(T value) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref value);
        if (typeof(T) == typeof(BFloat16)) return Unsafe.As<T, BFloat16>(ref value).ToSingle();
        if (typeof(T) == typeof(Half)) return (float)Unsafe.As<T, Half>(ref value);
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>dst[i] = (float)src[i].</summary>
    public static void ToSingle<T>(ReadOnlySpan<T> src, Span<float> dst) where T : unmanaged
    {
        if (dst.Length < src.Length) throw new ArgumentException("destination is shorter than the source");
        fixed (T* s = src)
        fixed (float* d = dst)
        {
            ToSingle(s, d, src.Length);
        }
    }

    /// <summary>dst[i] = (float)src[i] for a contiguous run (a GEMM packing kernel: never run unoptimised).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle<T>(T* src, float* dst, int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Buffer.MemoryCopy(src, dst, (long)count * sizeof(float), (long)count * sizeof(float));
            return;
        }

        int i = 0;
        if (typeof(T) == typeof(BFloat16) && Avx512F.IsSupported)
        {
            ushort* s = (ushort*)src;
            for (; i + 16 <= count; i += 16)
            {
                var wide = Avx512F.ConvertToVector512UInt32(Avx.LoadVector256(s + i));
                Avx512F.Store(dst + i, Avx512F.ShiftLeftLogical(wide, 16).AsSingle());
            }
        }

        for (; i < count; i++) dst[i] = ToSingle(src[i]);
    }
}
