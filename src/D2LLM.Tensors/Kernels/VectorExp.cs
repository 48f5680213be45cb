using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace D2LLM.Tensors.Kernels;

/// <summary>
/// e^x of 16 floats in float32 arithmetic (Cephes expf): n = round(x·log₂e); r = x − n·ln 2, with ln 2 split in two
/// parts so that r is exact; e^r by a degree-7 polynomial on |r| ≤ ½ln 2; then times 2ⁿ, built in the exponent bits as
/// 2^⌊n/2⌋·2^(n−⌊n/2⌋) so that both factors stay normal at either end of the range. Within 2 ulp of
/// <see cref="MathF.Exp(float)"/>; 0 below −87.3365 (where the result would be subnormal), +∞ above 88.7228, NaN kept.
/// Why not <see cref="Vector512.Exp(Vector512{float})"/>: .NET computes it in double precision, two half-width
/// vectors per call, and it was the larger part of the attention softmax's time.
/// </summary>
public static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float MinArgument = -87.33654f, MaxArgument = 88.72284f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(MinArgument)), Vector512.Create(MaxArgument));
        var n = Vector512.Round(clamped * Log2E);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), clamped));
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1.9875691500e-4f), r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;

        var whole = Vector512.ConvertToInt32(n);
        var half = Vector512.ShiftRightArithmetic(whole, 1);
        var scaled = p * PowerOfTwo(half) * PowerOfTwo(whole - half);
        scaled = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinArgument)), Vector512<float>.Zero, scaled);
        scaled = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(MaxArgument)), Vector512.Create(float.PositiveInfinity), scaled);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), scaled, x);
    }

    /// <summary>2^k for −126 ≤ k ≤ 127: k + 127 in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PowerOfTwo(Vector512<int> k) => Vector512.ShiftLeft(k + Vector512.Create(127), 23).AsSingle();
}
