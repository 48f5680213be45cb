using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Inverted dropout: keep each element with probability 1 − p and scale it by 1/(1 − p), so inference needs no
/// rescaling; Backward: dx = dy ⊙ mask/(1 − p), from the mask Forward kept.
/// The mask is counter-based: element i is kept when the top 24 bits of hash(i, s) are at least p·2²⁴, s one 64-bit
/// draw from the caller's seeded generator per call. So it depends on the seed and the index only: 512-bit vectors draw
/// 16 at a time and the scalar path draws the same bits (System.Random's draw per element was 40% of a LoRA training
/// step on a small encoder).
/// </summary>
public static class Dropout
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<byte> keep, float p, Random rng, bool vector = true)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        ulong seed = (ulong)rng.NextInt64();
        uint low = (uint)seed, high = (uint)(seed >> 32), threshold = (uint)(p * (1 << 24));
        float scale = 1f / (1f - p);
        int i = 0;
        if (vector && Avx512F.IsSupported)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            ref byte ks = ref MemoryMarshal.GetReference(keep);
            var index = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var (vl, vh, vt) = (Vector512.Create(low), Vector512.Create(high), Vector512.Create(threshold));
            for (; i + 16 <= x.Length; i += 16, index += Vector512.Create(16u))
            {
                var kept = Vector512.GreaterThanOrEqual(Hash(Hash(index ^ vl) ^ vh) >>> 8, vt);
                Vector512.ConditionalSelect(kept.AsSingle(), Vector512.LoadUnsafe(ref xs, (nuint)i) * scale, Vector512<float>.Zero).StoreUnsafe(ref ys, (nuint)i);
                Avx512F.ConvertToVector128Byte(kept & Vector512<uint>.One).StoreUnsafe(ref ks, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            keep[i] = Hash(Hash((uint)i ^ low) ^ high) >> 8 >= threshold ? (byte)1 : (byte)0;
            y[i] = keep[i] != 0 ? x[i] * scale : 0f;
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<byte> keep, float p, Span<float> dx)
    {
        float scale = 1f / (1f - p);
        for (int i = 0; i < dy.Length; i++) if (keep[i] != 0) dx[i] += dy[i] * scale;
    }

    /// <summary>lowbias32 (Chris Wellons' integer hash search): two multiply-xorshift rounds, full avalanche.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352d;
        x ^= x >> 15;
        x *= 0x846ca68b;
        return x ^ (x >> 16);
    }

    /// <summary><see cref="Hash(uint)"/> of 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Hash(Vector512<uint> x)
    {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        return x ^ (x >>> 16);
    }
}
