using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// The attention softmax over a key-major block of logits Sᵀ (row p holds key p's logit for each of the block's queries),
/// in place: for query i, over the keys that count for it,
///   P[i, p] = exp(Sᵀ[p, i] − mᵢ) / Σₚ exp(Sᵀ[p, i] − mᵢ),   mᵢ = the largest counted logit of query i.
/// Key p counts for no query when the key mask excludes it, for queries i ≥ p − offset when causal (the block's queries
/// are the last of its keys: offset = keys − queries), otherwise for all; the rest of the block is 0, and a query no
/// key counts for gets all 0. Key-major because 512-bit vectors then run along the queries, and P·V reads the rows of
/// Pᵀ as the GEMM's packed slivers of P, with no transpose. <see cref="Exponentials"/> stops before the division and
/// returns the inverse sums, so that inference can divide its d-wide output rows instead of the whole block.
/// </summary>
public static class KeyMajorSoftmax
{
    private const int Width = 16;

    /// <summary>
    /// Sᵀ ← exp(Sᵀ − m) where counted, 0 elsewhere; inverseSums[i] = 1 / Σₚ of query i's column (0 if no key counts).
    /// <paramref name="max"/> is scratch of <paramref name="queries"/> floats; an empty key mask excludes nothing.
    /// </summary>
    public static void Exponentials(Span<float> logits, int keys, int queries, bool causal, ReadOnlySpan<byte> keyMask,
        Span<float> max, Span<float> inverseSums)
    {
        int offset = keys - queries;
        max = max[..queries];
        max.Fill(float.NegativeInfinity);
        for (int p = 0; p < keys; p++)
        {
            int from = FirstQuery(p, queries, causal, offset, keyMask);
            if (from < queries) TensorPrimitives.Max(max[from..], logits.Slice(p * queries + from, queries - from), max[from..]);
        }

        var sums = inverseSums[..queries];
        sums.Clear();
        for (int p = 0; p < keys; p++)
        {
            var row = logits.Slice(p * queries, queries);
            int from = FirstQuery(p, queries, causal, offset, keyMask);
            row[..from].Clear();
            if (from < queries) AccumulateExponentials(row[from..], max[from..], sums[from..]);
        }

        for (int i = 0; i < queries; i++) sums[i] = sums[i] > 0f ? 1f / sums[i] : 0f;
    }

    /// <summary>Divides the exponentials <see cref="Exponentials"/> left by their sums: Sᵀ[p, i] ·= inverseSums[i].</summary>
    public static void Normalise(Span<float> block, int keys, int queries, ReadOnlySpan<float> inverseSums)
    {
        for (int p = 0; p < keys; p++) TensorPrimitives.Multiply(block.Slice(p * queries, queries), inverseSums[..queries], block.Slice(p * queries, queries));
    }

    /// <summary>The first query key p counts for; <paramref name="queries"/> when it counts for none.</summary>
    private static int FirstQuery(int p, int queries, bool causal, int offset, ReadOnlySpan<byte> keyMask)
    {
        if (!keyMask.IsEmpty && keyMask[p] == 0) return queries;
        return causal ? Math.Clamp(p - offset, 0, queries) : 0;
    }

    /// <summary>
    /// x ← exp(x − m), sums += x, in 512-bit vectors of <see cref="VectorExp"/>; the last partial vector goes through a
    /// copy padded with −∞ (exponential 0), so no element takes the slower scalar exp. Scalar where vectors are not accelerated.
    /// </summary>
    private static void AccumulateExponentials(Span<float> x, ReadOnlySpan<float> m, Span<float> sums)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            for (int i = 0; i < x.Length; i++) sums[i] += x[i] = MathF.Exp(x[i] - m[i]);
            return;
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ms = ref MemoryMarshal.GetReference(m);
        ref float ss = ref MemoryMarshal.GetReference(sums);
        int j = 0;
        for (; j + Width <= x.Length; j += Width)
        {
            var e = VectorExp.Exp(Vector512.LoadUnsafe(ref xs, (nuint)j) - Vector512.LoadUnsafe(ref ms, (nuint)j));
            e.StoreUnsafe(ref xs, (nuint)j);
            (Vector512.LoadUnsafe(ref ss, (nuint)j) + e).StoreUnsafe(ref ss, (nuint)j);
        }

        int rest = x.Length - j;
        if (rest == 0) return;
        Span<float> tail = stackalloc float[3 * Width];
        Span<float> tx = tail[..Width], tm = tail.Slice(Width, Width), tsum = tail.Slice(2 * Width, Width);
        tx.Fill(float.NegativeInfinity);
        tm.Clear();
        tsum.Clear();
        x[j..].CopyTo(tx);
        m[j..].CopyTo(tm);
        sums[j..].CopyTo(tsum);
        var exp = VectorExp.Exp(Vector512.Create((ReadOnlySpan<float>)tx) - Vector512.Create((ReadOnlySpan<float>)tm));
        exp.CopyTo(tx);
        (Vector512.Create((ReadOnlySpan<float>)tsum) + exp).CopyTo(tsum);
        tx[..rest].CopyTo(x[j..]);
        tsum[..rest].CopyTo(sums[j..]);
    }
}
