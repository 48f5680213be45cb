using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// Inverted dropout: keep each element with probability 1 − p and scale it by 1/(1 − p), so inference needs no
/// rescaling; Backward: dx += dy ⊙ mask/(1 − p).
/// The mask is counter-based: element i is kept when the top 24 bits of hash(first + i, seed) are at least p·2²⁴. It
/// depends on the seed and the index only, so nothing is stored between the passes (Backward draws it again from the
/// seed), any part of a tensor can be drawn on its own (the worker pool splits it), 512-bit vectors draw 16 at a time
/// and the scalar path draws the same bits. System.Random's draw per element was 44% of a LoRA step on a small
/// encoder, and the kept byte masks and dropped inputs a third of its activations.
/// </summary>
public static class Dropout
{
    /// <summary>y = x ⊙ mask/(1 − p) for the elements first … first + x.Length − 1 of the tensor the seed draws for.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, float p, ulong seed, long first = 0, bool vector = true) =>
        Apply(x, y, p, seed, first, accumulate: false, vector);

    /// <summary>dx += dy ⊙ mask/(1 − p), the mask Forward drew with the same seed and first index.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, float p, ulong seed, long first = 0, bool vector = true) =>
        Apply(dy, dx, p, seed, first, accumulate: true, vector);

    private static void Apply(ReadOnlySpan<float> x, Span<float> y, float p, ulong seed, long first, bool accumulate, bool vector)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        uint low = (uint)seed, high = (uint)(seed >> 32), threshold = (uint)(p * (1 << 24));
        float scale = 1f / (1f - p);
        int i = 0;
        if (vector && Vector512.IsHardwareAccelerated)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            var index = Vector512.Create((uint)first) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var (vl, vh, vt) = (Vector512.Create(low), Vector512.Create(high), Vector512.Create(threshold));
            for (; i + 16 <= x.Length; i += 16, index += Vector512.Create(16u))
            {
                var kept = Vector512.GreaterThanOrEqual(Hash(Hash(index ^ vl) ^ vh) >>> 8, vt).AsSingle();
                var scaled = Vector512.ConditionalSelect(kept, Vector512.LoadUnsafe(ref xs, (nuint)i) * scale, Vector512<float>.Zero);
                if (accumulate) scaled += Vector512.LoadUnsafe(ref ys, (nuint)i);
                scaled.StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            float scaled = Hash(Hash((uint)(first + i) ^ low) ^ high) >> 8 >= threshold ? x[i] * scale : 0f;
            y[i] = accumulate ? y[i] + scaled : scaled;
        }
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
