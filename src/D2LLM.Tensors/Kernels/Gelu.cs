using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// GELU, exact form (BERT's "gelu", PyTorch's default): y = ½x(1 + erf(x/√2));
/// dy/dx = ½(1 + erf(x/√2)) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π).
/// erf is Abramowitz &amp; Stegun 7.1.26, erf(z) = 1 − t(a₁ + t(a₂ + t(a₃ + t(a₄ + t·a₅))))·e^(−z²), t = 1/(1 + p·z), for
/// z ≥ 0 and odd: absolute error under 1.5e-7, float32's resolution. Every step is a vectorised span operation over
/// chunks of the input (System.Numerics.Tensors picks the widest vectors the machine has), or fused in 512-bit registers.
/// </summary>
public static class Gelu
{
    private const int Chunk = 512;
    private const float InvSqrt2 = 0.70710678f;
    private const float InvSqrt2Pi = 0.39894228f;
    private const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;

    /// <summary>
    /// y may alias x. With <paramref name="vector"/> and 512-bit vectors, the whole formula runs in registers, 16 values
    /// at a time (one pass over memory instead of seventeen); otherwise, and for the tail, chunks of span operations.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, bool vector = true)
    {
        int i = 0;
        if (vector && Vector512.IsHardwareAccelerated)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xs, (nuint)i);
                (v * 0.5f * (Vector512<float>.One + Erf(v * InvSqrt2))).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        Span<float> erf = stackalloc float[Chunk], s1 = stackalloc float[Chunk], s2 = stackalloc float[Chunk];
        for (; i < x.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - i);
            var xs = x.Slice(i, n);
            var ys = y.Slice(i, n);
            Erf(xs, InvSqrt2, erf[..n], s1[..n], s2[..n]);
            TensorPrimitives.Add(erf[..n], 1f, erf[..n]);
            TensorPrimitives.Multiply(xs, erf[..n], ys);
            TensorPrimitives.Multiply(ys, 0.5f, ys);
        }
    }

    /// <summary>dx += dy ⊙ gelu'(x).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Span<float> erf = stackalloc float[Chunk], s1 = stackalloc float[Chunk], s2 = stackalloc float[Chunk];
        for (int i = 0; i < x.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - i);
            var xs = x.Slice(i, n);
            Erf(xs, InvSqrt2, erf[..n], s1[..n], s2[..n]);
            // s1 = x·φ(x) = x·e^(−x²/2)/√(2π)
            TensorPrimitives.Multiply(xs, xs, s1[..n]);
            TensorPrimitives.Multiply(s1[..n], -0.5f, s1[..n]);
            TensorPrimitives.Exp(s1[..n], s1[..n]);
            TensorPrimitives.Multiply(s1[..n], xs, s1[..n]);
            // gelu' = ½ + ½·erf + x·φ(x)
            TensorPrimitives.Multiply(erf[..n], 0.5f, erf[..n]);
            TensorPrimitives.Add(erf[..n], 0.5f, erf[..n]);
            TensorPrimitives.MultiplyAdd(s1[..n], InvSqrt2Pi, erf[..n], erf[..n]);
            TensorPrimitives.FusedMultiplyAdd(dy.Slice(i, n), erf[..n], dx.Slice(i, n), dx.Slice(i, n));
        }
    }

    /// <summary>erf of 16 values, the same steps as the span form below.</summary>
    private static Vector512<float> Erf(Vector512<float> x)
    {
        var z = Vector512.Abs(x);
        var t = Vector512<float>.One / (Vector512<float>.One + z * P);
        var poly = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(
            t, Vector512.Create(A5), Vector512.Create(A4)), t, Vector512.Create(A3)), t, Vector512.Create(A2)), t, Vector512.Create(A1)) * t;
        return Vector512.CopySign(Vector512<float>.One - poly * VectorExp.Exp(-(z * z)), x);
    }

    /// <summary>erf(scale·x) into <paramref name="result"/>; <paramref name="t"/> and <paramref name="e"/> are scratch of the same length.</summary>
    public static void Erf(ReadOnlySpan<float> x, float scale, Span<float> result, Span<float> t, Span<float> e)
    {
        TensorPrimitives.Multiply(x, scale, e);
        TensorPrimitives.Abs(e, e);                       // z = |scale·x|
        TensorPrimitives.Multiply(e, P, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Reciprocal(t, t);                // t = 1/(1 + p·z)
        TensorPrimitives.Multiply(e, e, e);
        TensorPrimitives.Negate(e, e);
        TensorPrimitives.Exp(e, e);                       // e = e^(−z²)
        TensorPrimitives.Multiply(t, A5, result);         // Horner: ((((a₅t + a₄)t + a₃)t + a₂)t + a₁)t
        TensorPrimitives.Add(result, A4, result);
        TensorPrimitives.MultiplyAdd(result, t, A3, result);
        TensorPrimitives.MultiplyAdd(result, t, A2, result);
        TensorPrimitives.MultiplyAdd(result, t, A1, result);
        TensorPrimitives.Multiply(result, t, result);
        TensorPrimitives.Multiply(result, e, result);
        TensorPrimitives.Subtract(1f, result, result);    // erf(z) for z ≥ 0
        TensorPrimitives.CopySign(result, x, result);     // erf is odd (scale > 0)
    }
}
