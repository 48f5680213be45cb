using System.Runtime.CompilerServices;

namespace D2LLM.Tensors;

/// <summary>
/// Brain float 16: the upper half of an IEEE float32. Stored weights stay in this format and are widened
/// to float32 on the fly (a shift), so a bf16 checkpoint costs half the memory of float32.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    public readonly ushort Bits;

    public BFloat16(ushort bits) => Bits = bits;

    /// <summary>Rounds to nearest even, as PyTorch does; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BFloat16 FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return new BFloat16((ushort)((bits >> 16) | 0x40));
        uint rounding = ((bits >> 16) & 1) + 0x7FFF;
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);

    public static explicit operator float(BFloat16 value) => value.ToSingle();
    public static explicit operator BFloat16(float value) => FromSingle(value);

    public bool Equals(BFloat16 other) => Bits == other.Bits;
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);
    public override int GetHashCode() => Bits;
    public override string ToString() => ToSingle().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
